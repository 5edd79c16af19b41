/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The only file that knows efivarfs: attribute header, UTF-16LE, the immutable flag. */
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "efivar.h"
#include "log.h"
#include "macro.h"
#include "util.h"

#define EFIVARFS_MAGIC_NUMBER 0xde5e81e4
/* Far above anything systemd-boot stores; bounds what a corrupt file can make us allocate. */
#define EFIVAR_SIZE_MAX (64u * 1024u)

#define EFIVARS_DIR "/sys/firmware/efi/efivars"

static char *efivar_path(const char *dir, const char *name, const char *guid)
{
	/* Names come from this library, but never let one escape the directory. */
	if (!name || !*name || strchr(name, '/') || !guid || strchr(guid, '/'))
		return NULL;
	return strdup_printf("%s/%s-%s", dir ?: EFIVARS_DIR, name, guid);
}

int efivar_read(const char *dir, const char *name, const char *guid, uint32_t *ret_attr,
		void **ret_data, size_t *ret_size)
{
	_cleanup_free_ char *p = efivar_path(dir, name, guid);
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t n = 0;

	if (!p)
		return -EINVAL;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	buf = malloc(EFIVAR_SIZE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k = read(fd, buf + n, EFIVAR_SIZE_MAX + 1 - n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		n += k;
		if (n > EFIVAR_SIZE_MAX)
			return -E2BIG;
	}
	if (n < 4)
		return -EBADMSG; /* efivarfs shows an empty file for a variable being deleted */
	if (ret_attr)
		*ret_attr = buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24;
	if (ret_data) {
		void *d = malloc(n - 4 + 2);

		if (!d)
			return -ENOMEM;
		memcpy(d, buf + 4, n - 4);
		memset((uint8_t *)d + n - 4, 0, 2); /* callers may treat it as a string */
		*ret_data = d;
	}
	if (ret_size)
		*ret_size = n - 4;
	return 0;
}

static int real_open(const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags, mode);

	return fd < 0 ? -errno : fd;
}

static ssize_t real_write(int fd, const void *buf, size_t len)
{
	ssize_t k = write(fd, buf, len);

	return k < 0 ? -errno : k;
}

static int real_unlink(const char *path)
{
	return unlink(path) < 0 ? -errno : 0;
}

static int real_get_flags(int fd, unsigned *ret)
{
	return ioctl(fd, FS_IOC_GETFLAGS, ret) < 0 ? -errno : 0;
}

static int real_set_flags(int fd, unsigned flags)
{
	return ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0 ? -errno : 0;
}

static const struct efivar_fs_ops real_ops = {
    .open = real_open,
    .write = real_write,
    .unlink = real_unlink,
    .get_flags = real_get_flags,
    .set_flags = real_set_flags,
};
static const struct efivar_fs_ops *fs = &real_ops;

void efivar_set_fs_ops(const struct efivar_fs_ops *ops)
{
	fs = ops ?: &real_ops;
}

static int immutable_set_fd(int fd, bool on)
{
	unsigned flags, want;
	struct stat st;
	int r;

	/* Only on a regular file: a device driver may read the same ioctl numbers differently. */
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOTTY;
	r = fs->get_flags(fd, &flags);
	if (r < 0)
		return r;
	want = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
	if (want == flags)
		return 0;
	r = fs->set_flags(fd, want);
	return r < 0 ? r : 1;
}

/*
 * efivarfs makes every variable that is not a well-known standard one immutable (FS_IMMUTABLE_FL),
 * so that a stray rm -rf cannot remove what some firmware needs to start: opening such a variable
 * for writing, or unlinking it, fails with EPERM. So the flag comes off the file first, through a
 * read-only fd (FS_IOC_SETFLAGS needs no write access). 1 when it was set and is cleared now, 0
 * when there is nothing to clear: no such variable yet, or a file system without these flags.
 */
static int immutable_clear(const char *path)
{
	_cleanup_close_ int fd = fs->open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0);
	int r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	r = immutable_set_fd(fd, false);
	if (r == -ENOTTY || r == -EOPNOTSUPP || r == -ENOSYS)
		return 0;
	return r;
}

/*
 * systemd's efi_set_variable() (src/basic/efivars.c) puts the flags it found back once it wrote
 * the variable or failed to remove it, "just in case"; so do we, so that a variable stays as well
 * guarded as efivarfs made it. A variable created anew is made immutable by efivarfs itself.
 */
static void immutable_restore(const char *path, int fd)
{
	_cleanup_close_ int own = -1;
	int r;

	if (fd < 0) {
		own = fs->open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0);
		fd = own;
	}
	r = fd < 0 ? fd : immutable_set_fd(fd, true);
	if (r < 0)
		log_debug("Failed to make %s immutable again, ignoring: %s", path, strerror(-r));
}

static bool is_efivarfs(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && (uint32_t)sfs.f_type == EFIVARFS_MAGIC_NUMBER;
}

int efivar_write(const char *dir, const char *name, const char *guid, uint32_t attr,
		 const void *data, size_t size)
{
	_cleanup_free_ char *p = efivar_path(dir, name, guid);
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_close_ int fd = -1;
	ssize_t k;
	int cleared, r = 0;

	if (!p)
		return -EINVAL;
	if (size > EFIVAR_SIZE_MAX)
		return -E2BIG;
	buf = malloc(4 + size);
	if (!buf)
		return -ENOMEM;
	buf[0] = attr & 0xff;
	buf[1] = (attr >> 8) & 0xff;
	buf[2] = (attr >> 16) & 0xff;
	buf[3] = (attr >> 24) & 0xff;
	if (size)
		memcpy(buf + 4, data, size);

	/* Before the open for writing: that is what the flag refuses. Failing to clear it is not
	 * fatal in itself (systemd goes on too); the open then says why it cannot write. */
	cleared = immutable_clear(p);
	if (cleared < 0)
		log_debug("Failed to clear the immutable flag of %s: %s", p, strerror(-cleared));
	fd = fs->open(p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0644);
	if (fd < 0) {
		r = fd;
		goto finish;
	}
	/* efivarfs takes each write() as the whole variable: attributes and data in one. */
	k = fs->write(fd, buf, 4 + size);
	if (k < 0)
		r = (int)k;
	else if ((size_t)k != 4 + size)
		r = -EIO;
	/* A plain directory (the unit tests) keeps old bytes past the end; efivarfs replaces. */
	else if (!is_efivarfs(fd) && ftruncate(fd, 4 + size) < 0)
		r = -errno;
finish:
	if (cleared > 0)
		immutable_restore(p, fd);
	return r;
}

int efivar_delete(const char *dir, const char *name, const char *guid)
{
	_cleanup_free_ char *p = efivar_path(dir, name, guid);
	int cleared, r;

	if (!p)
		return -EINVAL;
	cleared = immutable_clear(p);
	if (cleared < 0)
		log_debug("Failed to clear the immutable flag of %s: %s", p, strerror(-cleared));
	r = fs->unlink(p);
	if (r < 0 && cleared > 0)
		immutable_restore(p, -1);
	return r;
}

int utf8_to_utf16le(const char *s, uint8_t **ret, size_t *ret_size)
{
	size_t len = strlen(s), n = 0;
	_cleanup_free_ uint8_t *out = malloc((len + 1) * 4);
	const unsigned char *u = (const unsigned char *)s;

	if (!out)
		return -ENOMEM;
	while (*u) {
		uint32_t c;
		int extra;

		if (*u < 0x80) {
			c = *u;
			extra = 0;
		} else if ((*u & 0xe0) == 0xc0) {
			c = *u & 0x1f;
			extra = 1;
		} else if ((*u & 0xf0) == 0xe0) {
			c = *u & 0x0f;
			extra = 2;
		} else if ((*u & 0xf8) == 0xf0) {
			c = *u & 0x07;
			extra = 3;
		} else
			return -EILSEQ;
		u++;
		for (int i = 0; i < extra; i++, u++) {
			if ((*u & 0xc0) != 0x80)
				return -EILSEQ;
			c = c << 6 | (*u & 0x3f);
		}
		if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -EILSEQ;
		if (c >= 0x10000) {
			uint32_t v = c - 0x10000;
			uint16_t hi = 0xd800 | (v >> 10), lo = 0xdc00 | (v & 0x3ff);

			out[n++] = hi & 0xff;
			out[n++] = hi >> 8;
			out[n++] = lo & 0xff;
			out[n++] = lo >> 8;
		} else {
			out[n++] = c & 0xff;
			out[n++] = c >> 8;
		}
	}
	out[n++] = 0;
	out[n++] = 0;
	*ret = TAKE_PTR(out);
	*ret_size = n;
	return 0;
}

static size_t put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = 0xc0 | c >> 6;
		o[1] = 0x80 | (c & 0x3f);
		return 2;
	}
	if (c < 0x10000) {
		o[0] = 0xe0 | c >> 12;
		o[1] = 0x80 | ((c >> 6) & 0x3f);
		o[2] = 0x80 | (c & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | c >> 18;
	o[1] = 0x80 | ((c >> 12) & 0x3f);
	o[2] = 0x80 | ((c >> 6) & 0x3f);
	o[3] = 0x80 | (c & 0x3f);
	return 4;
}

int utf16le_to_utf8(const uint8_t *buf, size_t size, char **ret)
{
	_cleanup_free_ char *out = malloc(size / 2 * 3 + 1);
	size_t n = 0;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < size; i += 2) {
		uint32_t c = buf[i] | buf[i + 1] << 8;

		if (c == 0)
			break;
		if (c >= 0xd800 && c <= 0xdbff) {
			uint32_t lo;

			if (i + 3 >= size)
				return -EILSEQ;
			lo = buf[i + 2] | buf[i + 3] << 8;
			if (lo < 0xdc00 || lo > 0xdfff)
				return -EILSEQ;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (c >= 0xdc00 && c <= 0xdfff)
			return -EILSEQ;
		n += put_utf8(out + n, c);
	}
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

int efivar_get_u64(const char *dir, const char *name, const char *guid, uint64_t *ret)
{
	_cleanup_free_ void *data = NULL;
	uint64_t v = 0;
	size_t size;
	int r;

	r = efivar_read(dir, name, guid, NULL, &data, &size);
	if (r < 0)
		return r;
	if (size == 0 || size > 8)
		return -EBADMSG;
	for (size_t i = size; i > 0; i--)
		v = v << 8 | ((const uint8_t *)data)[i - 1];
	*ret = v;
	return 0;
}

int efivar_get_string(const char *dir, const char *name, const char *guid, char **ret)
{
	_cleanup_free_ void *data = NULL;
	size_t size;
	int r;

	r = efivar_read(dir, name, guid, NULL, &data, &size);
	if (r < 0)
		return r;
	return utf16le_to_utf8(data, size, ret);
}

int efivar_set_string(const char *dir, const char *name, const char *guid, const char *value)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t size;
	int r;

	r = utf8_to_utf16le(value, &buf, &size);
	if (r < 0)
		return r;
	return efivar_write(dir, name, guid, EFI_VARIABLE_NV_BS_RT, buf, size);
}
