/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check: preflight. The kernel module, space for the default policy, and the initramfs the next
 * boot really loads: the initrd(s) of the boot entry systemd-boot will pick (boot_next_entry()),
 * or without a systemd-boot ESP the running kernel's /boot/initrd.img-RELEASE. lsinitrd runs
 * without a shell; the rewind binary inside is compared with the installed one.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "boot.h"
#include "cli.h"
#include "conf.h"
#include "digest.h"
#include "esp-find.h"
#include "kmod.h"
#include "log.h"
#include "paths.h"
#include "txn.h"
#include "util.h"

#define DRACUT_MODULE_DIR "/usr/lib/dracut/modules.d/90rewind"
/* Where dracut/90rewind/module-setup.sh installs the binary, relative to the initramfs root. */
#define INITRD_BINARY	 "usr/sbin/rewind"
#define INSTALLED_BINARY "/usr/sbin/rewind"
#define OUTPUT_SIZE_MAX	 (64u << 20)

/* ---- running lsinitrd ---- */

/* spawn_capture() of lsinitrd: -EIO when it could not be run at all (not installed?). */
static int run_capture(char *const *argv, char **ret, size_t *ret_len)
{
	int r = spawn_capture(argv, OUTPUT_SIZE_MAX, ret, ret_len);

	return r < 0 && r != -ENOMEM && r != -EFBIG ? -EIO : r;
}

/* One line of lsinitrd's listing: the dracut module names, one a line, then every file. */
static bool listing_line_is_rewind(const char *s)
{
	const char *base = strrchr(s, '/');

	/* The module list ("rewind"), or our binary or unit among the files. */
	return streq(s, "rewind") || (base && streq(base, "/rewind")) ||
	       strstr(s, "rewind-initrd.service") || strstr(s, "90rewind");
}

/* 1 when lsinitrd lists the rewind module in initrd, 0 when not, -EIO when it cannot tell. */
static int lsinitrd_has_rewind(const char *initrd)
{
	char *argv[] = {(char *)"lsinitrd", (char *)initrd, NULL};
	_cleanup_free_ char *out = NULL;
	bool found = false;
	size_t len;
	int status;

	status = run_capture(argv, &out, &len);
	if (status < 0)
		return status;
	for (char *line = out, *next; line < out + len; line = next) {
		char *nl = memchr(line, '\n', out + len - line);

		next = nl ? nl + 1 : out + len;
		if (nl)
			*nl = '\0';
		if (listing_line_is_rewind(strstrip(line)))
			found = true;
	}
	if (status != 0)
		return found ? 1 : -EIO; /* lsinitrd missing or failed: cannot tell */
	return found ? 1 : 0;
}

/* ---- comparing the binary in the initramfs with the installed one ---- */

struct blob {
	unsigned char *data;
	size_t len;
};

static void blob_done(struct blob *b)
{
	free(b->data);
}

/* INITRD_BINARY as `lsinitrd -f` prints it: -ENOENT when the initramfs has none. */
static int initrd_binary(const char *initrd, struct blob *ret)
{
	char *argv[] = {(char *)"lsinitrd", (char *)"-f", (char *)INITRD_BINARY, (char *)initrd,
			NULL};
	char *out = NULL;
	size_t len;
	int status;

	status = run_capture(argv, &out, &len);
	if (status < 0)
		return status;
	if (status != 0 || len == 0) {
		free(out);
		return status != 0 ? -EIO : -ENOENT;
	}
	ret->data = (unsigned char *)out;
	ret->len = len;
	return 0;
}

static int read_binary(const char *path, struct blob *ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > OUTPUT_SIZE_MAX)
		return -EFBIG;
	buf = malloc(st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	r = read_full(fd, buf, st.st_size, &len);
	if (r < 0)
		return r;
	ret->data = TAKE_PTR(buf);
	ret->len = len;
	return 0;
}

/* The rewind a rebuilt initramfs would get: module-setup.sh installs `command -v rewind`. */
static char *installed_binary(void)
{
	const char *path = secure_getenv("PATH");
	_cleanup_strv_ char **dirs = path ? strv_split_char(path, ':') : NULL;

	for (size_t i = 0; dirs && dirs[i]; i++) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (dirs[i][0] != '/')
			continue;
		p = strdup_printf("%s/rewind", dirs[i]);
		if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			return TAKE_PTR(p);
	}
	return access(INSTALLED_BINARY, X_OK) == 0 ? strdup(INSTALLED_BINARY) : NULL;
}

static bool sha256_equal(const struct blob *a, const struct blob *b)
{
	uint8_t ma[DIGEST_SHA256_SIZE], mb[DIGEST_SHA256_SIZE];

	return sha256_buffer(a->data, a->len, ma) >= 0 && sha256_buffer(b->data, b->len, mb) >= 0 &&
	       memcmp(ma, mb, sizeof(ma)) == 0;
}

/* The NT_GNU_BUILD_ID note of a native ELF image, from its program headers (they survive strip).
 */
static bool elf_build_id(const struct blob *b, const unsigned char **ret, size_t *ret_len)
{
	const unsigned char *p = b->data;
	bool is64;
	uint64_t phoff;
	size_t phentsize, phnum;

	if (b->len < EI_NIDENT || memcmp(p, ELFMAG, SELFMAG) != 0 ||
	    p[EI_DATA] != (__BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB))
		return false;
	is64 = p[EI_CLASS] == ELFCLASS64;
	if (is64 && b->len >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr h;

		memcpy(&h, p, sizeof(h));
		phoff = h.e_phoff;
		phentsize = h.e_phentsize;
		phnum = h.e_phnum;
	} else if (p[EI_CLASS] == ELFCLASS32 && b->len >= sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr h;

		memcpy(&h, p, sizeof(h));
		phoff = h.e_phoff;
		phentsize = h.e_phentsize;
		phnum = h.e_phnum;
	} else
		return false;
	if (phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) || phoff > b->len ||
	    phnum > (b->len - phoff) / phentsize)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		const unsigned char *ph = p + phoff + i * phentsize;
		uint64_t off, size, align, end;

		if (is64) {
			Elf64_Phdr h;

			memcpy(&h, ph, sizeof(h));
			if (h.p_type != PT_NOTE)
				continue;
			off = h.p_offset;
			size = h.p_filesz;
			align = h.p_align;
		} else {
			Elf32_Phdr h;

			memcpy(&h, ph, sizeof(h));
			if (h.p_type != PT_NOTE)
				continue;
			off = h.p_offset;
			size = h.p_filesz;
			align = h.p_align;
		}
		align = align == 8 ? 8 : 4;
		if (off > b->len || size > b->len - off)
			continue;
		end = off + size;
		while (end - off >= sizeof(Elf64_Nhdr)) {
			Elf64_Nhdr n;
			uint64_t name_len, desc_off;

			memcpy(&n, p + off, sizeof(n));
			name_len = ((uint64_t)n.n_namesz + align - 1) & ~(align - 1);
			desc_off = off + sizeof(n) + name_len;
			if (desc_off > end || n.n_descsz > end - desc_off)
				break;
			if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 &&
			    memcmp(p + off + sizeof(n), "GNU", 4) == 0 && n.n_descsz > 0) {
				*ret = p + desc_off;
				*ret_len = n.n_descsz;
				return true;
			}
			off = desc_off + (((uint64_t)n.n_descsz + align - 1) & ~(align - 1));
			if (off > end)
				break;
		}
	}
	return false;
}

/* The same file, or the same build: dracut strips what it installs (strip -g), which changes the
 * bytes of a binary with debug information but keeps its build-id. */
static bool same_build(const struct blob *a, const struct blob *b)
{
	const unsigned char *ia, *ib;
	size_t la, lb;

	if (sha256_equal(a, b))
		return true;
	return elf_build_id(a, &ia, &la) && elf_build_id(b, &ib, &lb) && la == lb &&
	       memcmp(ia, ib, la) == 0;
}

/* ---- the report ---- */

_printf_(3, 4) static void report(bool verbose, const char *status, const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	printf("%-6sinitramfs: ", status);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/*
 * How to rebuild the initrd at path for kernel kver: `dracut -f PATH KVER` writes exactly the file
 * the entry loads and nothing else. (`kernel-install add KVER /boot/vmlinuz-KVER` does not build
 * an initramfs on Debian 12: its 85-initrd.install copies /boot/initrd.img-KVER as it is, and it
 * rewrites the entry.) When the entry loads that copy, say that the source needs it too.
 */
static void report_rebuild(bool verbose, const char *path, const char *kver)
{
	_cleanup_free_ char *copy = kver ? strdup_printf("/initrd.img-%s", kver) : NULL;
	size_t len = strlen(path);

	if (!verbose)
		return;
	printf("      rebuild it: dracut -f %s %s\n", path, kver ?: "KERNEL-VERSION");
	if (copy && len > strlen(copy) && streq(path + len - strlen(copy), copy) &&
	    !startswith(path, "/boot/initrd.img-"))
		printf(
		    "      (it is kernel-install's copy of /boot/initrd.img-%s: rebuild that too, "
		    "dracut -f /boot/initrd.img-%s %s, or the next 'kernel-install add' for %s "
		    "copies the old one back)\n",
		    kver, kver, kver, kver);
}

/* Warn when the rewind in initrd is not the installed one. */
static void check_binary(bool verbose, const char *initrd, const char *kver)
{
	_cleanup_(blob_done) struct blob inside = {}, installed = {};
	_cleanup_free_ char *path = installed_binary();
	int r;

	if (!path) {
		report(verbose, "WARN",
		       "no rewind installed on PATH or at %s: cannot compare it with the one in %s",
		       INSTALLED_BINARY, initrd);
		return;
	}
	r = read_binary(path, &installed);
	if (r < 0) {
		report(verbose, "WARN", "cannot read %s: %s", path, strerror(-r));
		return;
	}
	r = initrd_binary(initrd, &inside);
	if (r == -ENOENT) {
		report(verbose, "WARN", "%s has the rewind module but no /" INITRD_BINARY, initrd);
		report_rebuild(verbose, initrd, kver);
		if (!verbose)
			log_warning("%s has the rewind module but no /" INITRD_BINARY, initrd);
		return;
	}
	if (r < 0) {
		report(verbose, "WARN",
		       "could not read /" INITRD_BINARY " from %s: cannot compare it with %s",
		       initrd, path);
		return;
	}
	if (same_build(&inside, &installed)) {
		report(verbose, "ok", "the rewind in %s is the installed %s", initrd, path);
		return;
	}
	report(verbose, "WARN",
	       "the rewind in %s differs from the installed %s: an older build, which may not "
	       "understand transactions begun by this one",
	       initrd, path);
	report_rebuild(verbose, initrd, kver);
	if (!verbose)
		log_warning("The rewind in %s differs from the installed %s: an older build, which "
			    "may not understand transactions begun by this one. Rebuild it: "
			    "dracut -f %s %s",
			    initrd, path, initrd, kver ?: "KERNEL-VERSION");
}

/* The kernel version an initrd belongs to: the entry's version, else the directory of a
 * kernel-install layout ESP/ENTRY-TOKEN/KVER/initrd. */
static char *initrd_kver(const struct boot_next *nx, const char *initrd)
{
	const char *slash = strrchr(initrd, '/'), *start;

	if (nx->version)
		return strdup(nx->version);
	if (!slash || slash == initrd)
		return NULL;
	for (start = slash - 1; start > initrd && start[-1] != '/'; start--)
		;
	return strndup(start, slash - start);
}

/* The initrd(s) of the entry the next boot uses. 1 present, 0 cannot tell, -REFUSE_NO_MODULE
 * absent. */
static int check_entry(bool verbose, struct boot *b)
{
	_cleanup_(boot_next_freep) struct boot_next *nx = NULL;
	_cleanup_free_ char *kver = NULL;
	const char *found = NULL, *last = NULL;
	bool unsure = false;
	int r;

	r = boot_next_entry(b, &nx);
	if (r == -EOPNOTSUPP) {
		report(verbose, "WARN",
		       "the next boot is a unified kernel image, not an entry in "
		       "%s/loader/entries: cannot look inside it",
		       boot_esp_root(b));
		return 0;
	}
	if (r < 0) {
		report(verbose, "WARN", "cannot tell which entry of %s the next boot uses: %s",
		       boot_esp_root(b), strerror(-r));
		return 0;
	}
	if (!nx->initrd) {
		if (!nx->linux_path) {
			report(verbose, "WARN",
			       "entry %s (%s) starts an EFI program, not a kernel "
			       "with an initrd: cannot tell",
			       nx->id, nx->how);
			return 0;
		}
		report(verbose, "FAIL",
		       "entry %s (%s) loads no initrd, so nothing would merge root", nx->id,
		       nx->how);
		return -REFUSE_NO_MODULE;
	}
	for (size_t i = 0; nx->initrd[i]; i++) {
		const char *p = nx->initrd[i];

		last = p;
		if (access(p, R_OK) < 0) {
			report(verbose, "WARN", "entry %s (%s) loads %s, which cannot be read: %s",
			       nx->id, nx->how, p, strerror(errno));
			unsure = true;
			continue;
		}
		r = lsinitrd_has_rewind(p);
		if (r > 0)
			found = p; /* the last one wins: the kernel unpacks them in order */
		else if (r < 0) {
			report(verbose, "WARN", "could not list %s (is lsinitrd installed?)", p);
			unsure = true;
		}
	}
	kver = initrd_kver(nx, found ?: last);
	if (found) {
		report(verbose, "ok", "entry %s (%s) loads %s, which has the rewind module", nx->id,
		       nx->how, found);
		check_binary(verbose, found, kver);
		return 1;
	}
	if (unsure)
		return 0;
	if (nx->initrd[1])
		report(verbose, "FAIL",
		       "entry %s (%s) loads %zu initrds, none of which has the "
		       "rewind module; the last is %s",
		       nx->id, nx->how, strv_length(nx->initrd), last);
	else
		report(verbose, "FAIL", "entry %s (%s) loads %s, which lacks the rewind module",
		       nx->id, nx->how, last);
	report_rebuild(verbose, last, kver);
	return -REFUSE_NO_MODULE;
}

/* No systemd-boot ESP: the running kernel's initrd in /boot (path_initrd_override(): tests). */
static int check_boot_dir(bool verbose)
{
	const char *env = path_initrd_override();
	_cleanup_free_ char *initrd = NULL;
	struct utsname u;
	int r;

	if (uname(&u) < 0)
		return -errno;
	initrd = env && *env ? strdup(env) : strdup_printf("/boot/initrd.img-%s", u.release);
	if (!initrd)
		return -ENOMEM;
	if (access(initrd, R_OK) < 0) {
		report(verbose, "WARN",
		       "no systemd-boot ESP, and %s not found: cannot tell whether "
		       "it has rewind",
		       initrd);
		return 0;
	}
	r = lsinitrd_has_rewind(initrd);
	if (r < 0) {
		report(verbose, "WARN", "could not list %s (is lsinitrd installed?)", initrd);
		return 0;
	}
	if (r == 0) {
		report(verbose, "FAIL",
		       "%s (no systemd-boot ESP: the running kernel's) lacks the "
		       "rewind module",
		       initrd);
		report_rebuild(verbose, initrd, u.release);
		return -REFUSE_NO_MODULE;
	}
	report(verbose, "ok",
	       "%s (no systemd-boot ESP: the running kernel's) has the rewind module", initrd);
	check_binary(verbose, initrd, u.release);
	return 1;
}

int check_initramfs_module(bool verbose)
{
	_cleanup_(boot_freep) struct boot *b = NULL;
	int r;

	if (access(DRACUT_MODULE_DIR, F_OK) < 0 && !path_initrd_override()) {
		if (verbose)
			printf("FAIL  dracut module: %s is missing\n", DRACUT_MODULE_DIR);
		return -REFUSE_NO_MODULE;
	}
	r = esp_find_open(&b);
	if (r == -ENOENT)
		return check_boot_dir(verbose);
	if (r == -EXDEV) {
		report(verbose, "WARN",
		       "the boot entries are on an XBOOTLDR partition: rewind does not support "
		       "that (no rollback boot entry), nor check the initramfs there");
		return 0;
	}
	if (r < 0) {
		report(verbose, "WARN", "cannot open the ESP: %s", strerror(-r));
		return 0;
	}
	return check_entry(verbose, b);
}

/* A rollback whose ESP is not back yet, and pinned files nothing needs: EXIT_STATE or 0. */
static int check_esp(struct lvm *l)
{
	_cleanup_strv_ char **pending = NULL, **leftover = NULL;
	int r = txn_audit_esp(l, &pending, &leftover);

	if (r < 0) {
		printf("warn  esp: cannot tell whether a restore is pending: %s\n", strerror(-r));
		return 0;
	}
	for (size_t i = 0; pending && pending[i]; i++)
		printf(
		    "FAIL  esp: root was rolled back to before transaction %s, but the ESP is not "
		    "put back yet (every boot retries): run 'rewind boot-finish'\n",
		    pending[i]);
	for (size_t i = 0; leftover && leftover[i]; i++)
		printf("warn  esp: the pinned kernel and rollback entry of %s are left on the ESP, "
		       "and no transaction needs them: remove rewind/%s/ and "
		       "loader/entries/rewind-%s*.conf there\n",
		       leftover[i], leftover[i], leftover[i]);
	if (!pending && !leftover)
		printf("ok    esp: no restore pending, no leftover pin\n");
	return pending ? EXIT_STATE : 0;
}

int verb_check(const struct verb *v, int argc, char **argv)
{
	_cleanup_(lvm_freep) struct lvm *l = NULL;
	struct txn_begin_opts o = {.dry_run = true};
	struct conf c;
	int r, code = 0, m;

	r = cli_check_args(v, argc - 1);
	if (r != 0)
		return r;
	m = kmodule_available("dm_snapshot");
	printf("%s  kernel: dm_snapshot %s\n", m > 0 ? "ok  " : "FAIL",
	       m > 0 ? "is available" : "cannot be loaded");
	if (m <= 0)
		code = EXIT_FAILED;

	conf_init(&c);
	r = conf_load(path_conf(), &c, NULL);
	if (r >= 0)
		r = lvm_new(&l);
	if (r >= 0)
		r = txn_begin(l, &c, &o, NULL);
	conf_done(&c);
	if (r == -REFUSE_TXN_EXISTS)
		printf("ok    space: a transaction is open already\n");
	else if (r < 0) {
		printf("FAIL  space: the default volumes cannot be snapshotted (see above)\n");
		code = code ?: cli_exit_code(r);
	} else
		printf("ok    space: the volume groups have room for the default size policy\n");

	if (l)
		code = check_esp(l) ?: code;

	r = check_initramfs_module(true);
	if (r == -REFUSE_NO_MODULE)
		code = EXIT_NO_MODULE;
	return code;
}
