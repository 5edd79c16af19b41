/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Vendor GUID of systemd-boot's Loader* variables. */
#define EFI_LOADER_GUID "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

/* EFI_VARIABLE_NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS */
#define EFI_VARIABLE_NV_BS_RT 0x7u

/*
 * EFI variables through efivarfs: DIR/NAME-GUID holds a 4-byte little-endian attribute word
 * followed by the data. dir NULL means EFIVARS_DIR. All return negative errno; -ENOENT when the
 * variable does not exist.
 */
int efivar_read(const char *dir, const char *name, const char *guid, uint32_t *ret_attr,
		void **ret_data, size_t *ret_size);
int efivar_write(const char *dir, const char *name, const char *guid, uint32_t attr,
		 const void *data, size_t size);
int efivar_delete(const char *dir, const char *name, const char *guid);

/* A little-endian integer of 1 to 8 bytes (LoaderFeatures); -EBADMSG for any other size. */
int efivar_get_u64(const char *dir, const char *name, const char *guid, uint64_t *ret);

/* UTF-16LE strings, as systemd-boot reads and writes them (NUL-terminated). */
int efivar_get_string(const char *dir, const char *name, const char *guid, char **ret);
int efivar_set_string(const char *dir, const char *name, const char *guid, const char *value);

/*
 * The file calls efivar.c makes, replaceable by the unit tests: an unprivileged test cannot set
 * FS_IMMUTABLE_FL, and a plain directory neither refuses to write an immutable variable nor takes
 * each write() as the whole variable, as efivarfs does. Each returns a value >= 0 or negative
 * errno. NULL: the real calls again.
 */
struct efivar_fs_ops {
	int (*open)(const char *path, int flags, mode_t mode);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*unlink)(const char *path);
	int (*get_flags)(int fd, unsigned *ret);  /* FS_IOC_GETFLAGS */
	int (*set_flags)(int fd, unsigned flags); /* FS_IOC_SETFLAGS */
};
void efivar_set_fs_ops(const struct efivar_fs_ops *ops);

/* Encoding helpers, exposed for the unit tests. */
int utf8_to_utf16le(const char *s, uint8_t **ret, size_t *ret_size); /* includes the NUL */
int utf16le_to_utf8(const uint8_t *buf, size_t size, char **ret);    /* stops at a NUL */
