/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The transaction verbs and systemd-boot: pin at begin, unpin at commit, the one-shot entry for
 * rollback --reboot, the rollback entry in status, and putting the ESP back after the boot that
 * rolled root back (boot-finish). boot*.c know the ESP; this file only decides when to call them.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "boot.h"
#include "esp-find.h"
#include "log.h"
#include "mnt.h"
#include "names.h"
#include "paths.h"
#include "txn-esp.h"
#include "txn.h"
#include "util.h"

static uint64_t free_override = UINT64_MAX;

void txn_esp_set_free_space(uint64_t bytes)
{
	free_override = bytes;
}

/* 0 and *ret NULL when there is no systemd-boot ESP, or an XBOOTLDR partition (warned). */
static int esp_open(struct boot **ret)
{
	int r = esp_find_open(ret);

	if (r == -ENOENT || r == -EXDEV) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return log_err_errno(r, "Failed to open the ESP: %s", strerror(-r));
	boot_set_free_space(*ret, free_override);
	return 0;
}

/*
 * The ESP for a restore: where systemd finds it, or else mounted by us (esp_mount()) for the time
 * of the restore, *ret_mounted then its mount point. -ENOENT: none found, -EXDEV: XBOOTLDR.
 */
static int esp_open_mounting(struct boot **ret, char **ret_mounted)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	*ret_mounted = NULL;
	r = esp_find_open(ret);
	if (r == -EXDEV)
		return log_err_errno(r,
				     "The boot entries are on an XBOOTLDR partition: rewind cannot "
				     "put the ESP back.");
	if (r == -ENOENT) {
		r = esp_mount(&dir);
		if (r >= 0) {
			r = boot_open(dir, path_efivars(), ret);
			if (r < 0) {
				log_err("%s (the ESP partition) has no systemd-boot (no loader/).",
					dir);
				esp_unmount(TAKE_PTR(dir));
			}
		}
	}
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return log_err_errno(r, "Failed to open the ESP: %s", strerror(-r));
	boot_set_free_space(*ret, free_override);
	*ret_mounted = TAKE_PTR(dir);
	return 0;
}

int txn_esp_pin(const char *txid, bool has_root, time_t when, unsigned tries)
{
	_cleanup_(boot_freep) struct boot *b = NULL;
	int r;

	/* Before the ESP is looked for: finding and opening it costs as much as an LVM command. */
	if (!has_root) {
		log_debug("Root is not in transaction %s: no rollback boot entry.", txid);
		return 0;
	}
	r = esp_open(&b);
	if (r < 0)
		return r;
	if (!b) {
		log_info("No systemd-boot ESP found: no rollback boot entry is added.");
		return 0;
	}
	r = boot_pin(b, txid, when);
	if (r == -EOPNOTSUPP) {
		log_warning("The booted kernel cannot be pinned on %s: no rollback boot entry; "
			    "a rollback boots the default entry.",
			    boot_esp_root(b));
		return 0;
	}
	if (r == -REFUSE_NO_SPACE || r == -ENOMEM)
		return r;
	if (r < 0)
		return log_err_errno(r, "Failed to pin the booted kernel on %s: %s",
				     boot_esp_root(b), strerror(-r));
	/* Not fatal: the initramfs still counts the boots that get as far as it. Without
	 * systemd-bless-boot, good boots would use up the tries too and end in a rollback. */
	if (tries > 0 && access(path_bless_boot(), X_OK) < 0)
		log_warning("%s is missing: systemd-boot does not count the boots of transaction "
			    "%s (a kernel that dies before the initramfs is not rolled back).",
			    path_bless_boot(), txid);
	else {
		r = boot_count(b, txid, tries);
		if (r < 0)
			log_warning("systemd-boot does not count the boots of transaction %s: %s",
				    txid, strerror(-r));
	}
	return 1;
}

int txn_esp_oneshot_early(const char *txid)
{
	int r = boot_set_oneshot_early(path_efivars(), txid);

	if (r < 0)
		return log_warning_errno(
		    r,
		    "Failed to set LoaderEntryOneShot to the rollback entry of "
		    "%s: if this boot is cut short, the next may boot the "
		    "default entry: %s",
		    txid, strerror(-r));
	return 0;
}

int txn_esp_restore(const char *txid, bool keep_pin)
{
	_cleanup_(esp_unmountp) char *mounted = NULL;
	_cleanup_(boot_freep) struct boot *b = NULL;
	int r;

	r = esp_open_mounting(&b, &mounted);
	if (r == -ENOENT)
		return log_err_errno(
		    r,
		    "No systemd-boot ESP found, mounted or not: cannot put back the "
		    "ESP of transaction %s.",
		    txid);
	if (r < 0)
		return r;
	r = boot_restore(b, txid, keep_pin);
	if (r < 0)
		return log_err_errno(r, "Failed to put back the ESP %s as it was before %s: %s",
				     boot_esp_root(b), txid, strerror(-r));
	if (r > 0)
		log_info("The ESP %s is back as it was before transaction %s.", boot_esp_root(b),
			 txid);
	else
		log_debug("No record of %s on %s: put back before.", txid, boot_esp_root(b));
	/* The initramfs pointed this boot at the rollback entry in case it was cut short; the ESP
	 * is back, its entries are right again. */
	(void)boot_clear_oneshot(b, txid);
	return 0;
}

int txn_esp_pins(char ***ret)
{
	_cleanup_(boot_freep) struct boot *b = NULL;
	int r;

	*ret = NULL;
	r = esp_open(&b);
	if (r < 0)
		return r;
	return b ? boot_pins(b, ret) : 0;
}

int txn_esp_sweep(const char *txid)
{
	_cleanup_(boot_freep) struct boot *b = NULL;
	int r;

	r = esp_open(&b);
	if (r < 0)
		return r;
	return b ? boot_sweep(b, txid) : 0;
}

int txn_esp_unpin(const char *txid)
{
	_cleanup_(boot_freep) struct boot *b = NULL;
	int r;

	r = esp_open(&b);
	if (r < 0)
		return r;
	if (!b)
		return 0;
	r = boot_unpin(b, txid);
	if (r < 0)
		return log_err_errno(
		    r,
		    "Transaction %s is committed, but its rollback entry is left on "
		    "%s: remove loader/entries/rewind-%s.conf and rewind/%s/ there.",
		    txid, boot_esp_root(b), txid, txid);
	return 0;
}

/* boot_describe() -ENOENT: no pin. */
static int describe(struct boot *b, const char *txid, struct boot_rollback_entry **ret)
{
	int r = boot_describe(b, txid, ret);

	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	return r;
}

int txn_esp_set_oneshot(const char *txid)
{
	_cleanup_(boot_rollback_entry_freep) struct boot_rollback_entry *d = NULL;
	_cleanup_(boot_freep) struct boot *b = NULL;
	int r;

	r = esp_open(&b);
	if (r < 0 || !b)
		return r;
	r = describe(b, txid, &d);
	if (r < 0 || !d)
		return r;
	r = boot_set_oneshot(b, txid);
	return r < 0 ? r : 1;
}

int txn_esp_clear_oneshot(const char *txid)
{
	_cleanup_(boot_freep) struct boot *b = NULL;
	int r;

	r = esp_open(&b);
	if (r < 0 || !b)
		return r;
	return boot_clear_oneshot(b, txid);
}

int txn_esp_describe(const char *txid, struct boot_rollback_entry **ret)
{
	_cleanup_(boot_freep) struct boot *b = NULL;
	int r;

	*ret = NULL;
	r = esp_open(&b);
	if (r < 0 || !b)
		return r;
	return describe(b, txid, ret);
}

/* VOLUME ("VG/LV") is what is mounted at / now. */
static bool is_root_volume(const char *volume)
{
	_cleanup_(mount_table_freep) struct mount_table *mt = NULL;
	_cleanup_free_ char *vg = NULL, *lv = NULL, *src = NULL, *name = NULL, *dm = NULL,
			    *dev = NULL;

	if (!volume || name_split_vg_lv(volume, &vg, &lv) < 0)
		return false;
	if (mount_table_load(&mt) < 0 || mount_table_source_of(mt, "/", &src) < 0)
		return false;
	name = name_dm(vg, lv);
	dm = name ? strdup_printf("/dev/mapper/%s", name) : NULL;
	dev = strdup_printf("/dev/%s/%s", vg, lv);
	return (dm && mounts_same_device(src, dm)) || (dev && mounts_same_device(src, dev));
}

/* The outcome says root was rolled back. */
static bool root_rolled_back(const struct txn_outcome *o)
{
	for (size_t i = 0; i < o->n_volumes; i++) {
		const struct txn_outcome_volume *v = &o->volumes[i];

		if (v->result != TXN_OUTCOME_ROLLED_BACK)
			continue;
		/* An outcome from before the root flag: what is mounted at / now. */
		if (v->root >= 0 ? v->root : is_root_volume(v->volume))
			return true;
	}
	return false;
}

/* This boot's outcome: 1, 0 when there is none, -EBADMSG (logged) when it is no JSON object. */
static int outcome_load(struct txn_outcome *ret)
{
	int r = txn_outcome_load(ret);

	if (r == -EBADMSG)
		return log_err_errno(r, "Failed to parse %s/" TXN_OUTCOME_FILE ".", path_rundir());
	return r;
}

static int outcome_check_txid(const struct txn_outcome *o)
{
	if (!o->txid || name_valid_txid(o->txid) < 0)
		return log_err_errno(
		    -EBADMSG, "%s/" TXN_OUTCOME_FILE " names no valid transaction.", path_rundir());
	return 0;
}

int txn_esp_outcome_root(char ret_txid[static TXID_MAX + 1], bool *ret_pinned)
{
	_cleanup_(txn_outcome_done) struct txn_outcome o = {};
	int r;

	r = outcome_load(&o);
	if (r <= 0)
		return r;
	r = outcome_check_txid(&o);
	if (r < 0 || !root_rolled_back(&o))
		return MIN(r, 0);
	strcpy(ret_txid, o.txid);
	*ret_pinned = o.pinned > 0;
	return 1;
}

/* Append line to the history, unless it is its last line already (boot-finish ran before). */
static int history_append(const char *line)
{
	_cleanup_free_ char *path = strdup_printf("%s/history.jsonl", path_statedir());
	_cleanup_free_ char *buf = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = strlen(line);
	bool nl = true;
	struct stat st;
	int r;

	if (!path)
		return -ENOMEM;
	r = mkdir_p(path_statedir(), 0755);
	if (r < 0)
		return log_err_errno(r, "Failed to create %s: %s", path_statedir(), strerror(-r));
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st) < 0)
		return log_err_errno(-errno, "Failed to open %s: %m", path);
	buf = malloc(len + 2);
	if (!buf)
		return -ENOMEM;
	if (st.st_size > 0 && pread(fd, buf, 1, st.st_size - 1) == 1)
		nl = buf[0] == '\n';
	if ((uint64_t)st.st_size >= len + 1 &&
	    pread(fd, buf, len + 1, st.st_size - len - 1) == (ssize_t)len + 1 &&
	    memcmp(buf, line, len) == 0 && buf[len] == '\n' &&
	    ((uint64_t)st.st_size == len + 1 ||
	     (pread(fd, buf, 1, st.st_size - len - 2) == 1 && buf[0] == '\n'))) {
		log_debug("%s ends with this outcome already.", path);
		return 0;
	}
	/* A line cut short before (power cut) stays on its own. */
	text = strdup_printf("%s%s\n", nl ? "" : "\n", line);
	if (!text)
		return -ENOMEM;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) < 0)
		return log_err_errno(-errno ?: -EIO, "Failed to append to %s: %m", path);
	return 0;
}

int txn_esp_boot_finish(char **ret_line)
{
	_cleanup_(txn_outcome_done) struct txn_outcome o = {};
	_cleanup_(boot_rollback_entry_freep) struct boot_rollback_entry *d = NULL;
	_cleanup_(esp_unmountp) char *mounted = NULL;
	_cleanup_(boot_freep) struct boot *b = NULL;
	_cleanup_free_ char *line = NULL;
	int r;

	*ret_line = NULL;
	r = outcome_load(&o);
	if (r == 0)
		log_debug("No %s/" TXN_OUTCOME_FILE ": the last boot rolled nothing back.",
			  path_rundir());
	if (r <= 0)
		return r;
	r = txn_outcome_to_json(&o, true, &line);
	if (r >= 0)
		r = history_append(line);
	if (r >= 0)
		r = outcome_check_txid(&o);
	if (r < 0)
		return r;
	if (!root_rolled_back(&o)) {
		log_debug("Root was not rolled back by %s: the ESP stays as it is.", o.txid);
		goto out;
	}
	/* A pinned transaction (or an outcome that does not say): mount the ESP if need be. */
	if (o.pinned != 0) {
		r = esp_open_mounting(&b, &mounted);
		if (r == -ENOENT || r == -EXDEV) {
			/* Not fatal here: the restore-esp tag keeps it pending
			 * (txn_finish_restore). */
			r = 0;
			goto out;
		}
	} else
		r = esp_open(&b);
	if (r < 0 || !b)
		goto out;
	r = describe(b, o.txid, &d);
	if (r < 0)
		goto out;
	/* Without a manifest this only removes leftovers: the second run does nothing. */
	r = boot_restore(b, o.txid, o.baseline > 0);
	if (r > 0)
		log_info("The ESP %s is back as it was before transaction %s.", boot_esp_root(b),
			 o.txid);
	else if (r == 0)
		log_debug("No record of %s on %s: nothing to restore.", o.txid, boot_esp_root(b));
	r = MIN(r, 0);
out:
	if (r >= 0)
		*ret_line = TAKE_PTR(line);
	return r;
}
