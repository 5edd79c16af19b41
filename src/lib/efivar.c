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

/* efivarfs marks variables immutable so a stray rm -rf cannot brick firmware; clear it first. */
static void clear_immutable(int fd)
{
	unsigned int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || !(flags & FS_IMMUTABLE_FL))
		return;
	flags &= ~FS_IMMUTABLE_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
		log_debug("Failed to clear the immutable flag: %m");
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

	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return -errno;
	clear_immutable(fd);
	/* efivarfs takes the whole variable in exactly one write(). */
	k = write(fd, buf, 4 + size);
	if (k < 0)
		return -errno;
	if ((size_t)k != 4 + size)
		return -EIO;
	/* A plain directory (the unit tests) keeps old bytes past the end; efivarfs replaces. */
	if (!is_efivarfs(fd) && ftruncate(fd, 4 + size) < 0)
		return -errno;
	return 0;
}

int efivar_delete(const char *dir, const char *name, const char *guid)
{
	_cleanup_free_ char *p = efivar_path(dir, name, guid);
	_cleanup_close_ int fd = -1;

	if (!p)
		return -EINVAL;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	clear_immutable(fd);
	if (unlink(p) < 0)
		return -errno;
	return 0;
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
