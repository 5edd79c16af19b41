/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The package record of a transaction: path_statedir()/txn/TXID.packages.json, what each apt run
 * since the transaction began installed, upgraded and removed (rewind apt-hook). It is written
 * after the snapshots exist, so a rollback of the volume that holds it takes it back with
 * everything else the upgrade did; its JSON is txn-json.c's.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "log.h"
#include "paths.h"
#include "txn-packages.h"
#include "util.h"

#define RECORD_SUFFIX ".packages.json"
/* A record larger than this is not read (a full run of APT_PACKAGES_MAX is a few MiB). */
#define RECORD_MAX (64u * 1024 * 1024)

void txn_packages_done(struct txn_packages *p)
{
	for (size_t i = 0; i < p->n_runs; i++)
		txn_package_run_done(&p->runs[i]);
	free(p->runs);
	free(p->txid);
	*p = (struct txn_packages){};
}

static char *record_dir(void)
{
	return strdup_printf("%s/txn", path_statedir());
}

char *txn_packages_path(const char *txid)
{
	return strdup_printf("%s/txn/%s" RECORD_SUFFIX, path_statedir(), txid);
}

int txn_packages_load(const char *txid, struct txn_packages *ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t len;
	int r;

	if (name_valid_txid(txid) < 0)
		return -EINVAL;
	path = txn_packages_path(txid);
	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return log_err_errno(-errno, "Failed to open %s: %m", path);
	}
	if (fstat(fd, &st) < 0)
		return log_err_errno(-errno, "Failed to stat %s: %m", path);
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > RECORD_MAX)
		return -EBADMSG;
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return -ENOMEM;
	r = read_full(fd, text, (size_t)st.st_size, &len);
	if (r < 0)
		return log_err_errno(r, "Failed to read %s: %s", path, strerror(-r));
	text[len] = '\0';
	if (strlen(text) != len)
		return -EBADMSG; /* a NUL inside */
	r = txn_packages_from_json(text, ret);
	if (r < 0)
		return r;
	if (!streq(ret->txid, txid)) {
		txn_packages_done(ret);
		return -EBADMSG;
	}
	return 1;
}

int txn_packages_of(const char *txid, uint64_t began, struct txn_packages *ret)
{
	int r = txn_packages_load(txid, ret);

	if (r == -EBADMSG)
		log_warning("Ignoring the package record of %s: it is not one.", txid);
	if (r <= 0)
		return r == -ENOMEM ? r : 0;
	if (ret->began > 0 && began > 0 && ret->began != began) {
		log_debug("The package record of %s is of an earlier transaction of that name.",
			  txid);
		txn_packages_done(ret);
		return 0;
	}
	return 1;
}

int txn_packages_save(const struct txn_packages *p)
{
	_cleanup_free_ char *dir = record_dir(), *path = NULL, *text = NULL;
	int r;

	if (!p->txid || name_valid_txid(p->txid) < 0)
		return -EINVAL;
	path = txn_packages_path(p->txid);
	if (!dir || !path)
		return -ENOMEM;
	r = txn_packages_to_json(p, false, &text);
	if (r < 0)
		return r;
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return log_err_errno(r, "Failed to create %s: %s", dir, strerror(-r));
	r = write_file_atomic(path, text);
	if (r < 0)
		return log_err_errno(r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}

int txn_packages_add_run(struct txn_packages *p, struct txn_package_run *run)
{
	struct txn_package_run *a;

	if (p->n_runs >= TXN_PACKAGES_RUNS_MAX) {
		/* The first runs stay (what the transaction began with); the newest replaces the
		 * last. */
		txn_package_run_done(&p->runs[p->n_runs - 1]);
		p->runs[p->n_runs - 1] = *run;
		*run = (struct txn_package_run){};
		return 0;
	}
	a = reallocarray(p->runs, p->n_runs + 1, sizeof(*a));
	if (!a) {
		txn_package_run_done(run);
		return -ENOMEM;
	}
	p->runs = a;
	p->runs[p->n_runs++] = *run;
	*run = (struct txn_package_run){};
	return 0;
}

int txn_packages_prune(char *const *keep)
{
	_cleanup_free_ char *dir = record_dir();
	DIR *d;
	int n = 0;

	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : log_warning_errno(-errno, "Cannot open %s: %m", dir);
	for (struct dirent *de; (de = readdir(d));) {
		size_t len = strlen(de->d_name), sl = strlen(RECORD_SUFFIX);
		_cleanup_free_ char *txid = NULL;

		if (len <= sl || !streq(de->d_name + len - sl, RECORD_SUFFIX))
			continue;
		txid = strndup(de->d_name, len - sl);
		if (!txid) {
			n = -ENOMEM;
			break;
		}
		if (strv_contains(keep, txid))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0) {
			log_warning("Cannot remove %s/%s: %m", dir, de->d_name);
			continue;
		}
		log_debug("Removed %s/%s: transaction %s ended.", dir, de->d_name, txid);
		n++;
	}
	closedir(d);
	return n;
}
