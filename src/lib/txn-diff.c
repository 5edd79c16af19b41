/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rewind diff (txn-diff.h): each member's snapshot against its origin, in a mount namespace. */
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "escape.h"
#include "lock.h"
#include "log.h"
#include "mnt.h"
#include "paths.h"
#include "txn-diff.h"
#include "util.h"

const struct diff_mount_ops *txn_diff_mount_ops = &diff_mount_ops_real;

/* The mount options that read a snapshot without writing to it; NULL: not supported. */
static const char *readonly_options(const char *fstype)
{
	/* No journal replay: it would write into the snapshot, what a rollback restores. */
	if (streq(fstype, "ext4") || streq(fstype, "ext3"))
		return "noload";
	/* No log recovery either; the origin has the same UUID and is mounted. */
	if (streq(fstype, "xfs"))
		return "norecovery,nouuid";
	return NULL;
}

/* What one member's diff needs, decided in the parent (LVM, the mount table). */
struct plan {
	const char *snapshot_dev;
	const char *origin_dev;
	const char *fstype;
	const char *options;
	const char *mount; /* the origin's mount point, NULL: mount it */
	unsigned flags;	   /* tree_diff_full()'s */
};

/* The record the child sends per change, then one with the end (kind 2): the same binary. */
struct wire_node {
	uint32_t mode, uid, gid, target_len;
	uint64_t size, rdev;
	int64_t mtime_sec, mtime_nsec;
};

struct wire {
	uint32_t kind; /* 1 change, 2 end, 3 mounted */
	int32_t result;
	uint32_t change, what, path_len;
	struct wire_node o, n;
	struct tree_diff_stats stats;
};

#define WIRE_STRING_MAX (1u << 20)

static void wire_node_set(struct wire_node *w, const struct tree_node *n)
{
	*w = (struct wire_node){
	    .mode = n->mode,
	    .uid = n->uid,
	    .gid = n->gid,
	    .target_len = n->target ? (uint32_t)strlen(n->target) : 0,
	    .size = n->size,
	    .rdev = n->rdev,
	    .mtime_sec = n->mtime_sec,
	    .mtime_nsec = n->mtime_nsec,
	};
}

static int wire_write(void *userdata, const struct tree_diff_entry *e)
{
	FILE *f = userdata;
	struct wire w = {.kind = 1, .change = e->change, .what = e->what};

	wire_node_set(&w.o, &e->old_node);
	wire_node_set(&w.n, &e->new_node);
	w.path_len = (uint32_t)strlen(e->path);
	if (w.path_len > WIRE_STRING_MAX || w.o.target_len > WIRE_STRING_MAX ||
	    w.n.target_len > WIRE_STRING_MAX)
		return -ENAMETOOLONG;
	if (fwrite(&w, sizeof(w), 1, f) != 1 || fwrite(e->path, 1, w.path_len, f) != w.path_len ||
	    fwrite(e->old_node.target ?: "", 1, w.o.target_len, f) != w.o.target_len ||
	    fwrite(e->new_node.target ?: "", 1, w.n.target_len, f) != w.n.target_len)
		return -EPIPE;
	return 0;
}

/* A string of len bytes from f; NULL *ret for len 0 when empty_null. */
static int wire_string(FILE *f, uint32_t len, bool empty_null, char **ret)
{
	char *s;

	*ret = NULL;
	if (len > WIRE_STRING_MAX)
		return -EBADMSG;
	if (len == 0 && empty_null)
		return 0;
	s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	if (len > 0 && fread(s, 1, len, f) != len) {
		free(s);
		return -EBADMSG;
	}
	s[len] = 0;
	*ret = s;
	return 0;
}

static void wire_node_get(const struct wire_node *w, struct tree_node *n, char *target)
{
	*n = (struct tree_node){
	    .mode = w->mode,
	    .uid = w->uid,
	    .gid = w->gid,
	    .size = w->size,
	    .rdev = w->rdev,
	    .mtime_sec = w->mtime_sec,
	    .mtime_nsec = (long)w->mtime_nsec,
	    .target = target,
	};
}

/* Mount what the member needs in the namespace we are in, and compare. */
static int diff_mounted(const struct plan *p, tree_diff_fn fn, void *userdata,
			struct tree_diff_stats *stats, int (*mounted)(void *userdata))
{
	const struct diff_mount_ops *ops = txn_diff_mount_ops;
	_cleanup_free_ char *base = strdup_printf("%s/diff", path_rundir());
	_cleanup_free_ char *snap = base ? strdup_printf("%s/snapshot", base) : NULL;
	_cleanup_free_ char *orig = base ? strdup_printf("%s/origin", base) : NULL;
	_cleanup_close_ int a = -1, b = -1;
	bool snap_mounted = false, orig_mounted = false;
	bool snap_ro = false, orig_ro = false, snap_was_ro = false, orig_was_ro = false;
	int r;

	if (!snap || !orig)
		return -ENOMEM;
	r = ops->private_namespace();
	if (r < 0)
		return r;
	/* Empty directories in /run; what is mounted on them lives in this namespace only. */
	r = mkdir_p(snap, 0700);
	if (r >= 0)
		r = mkdir_p(orig, 0700);
	if (r < 0)
		return log_err_errno(r, "Failed to create %s: %s", base, strerror(-r));
	/* The devices read-only first: the snapshot is what a rollback restores. */
	r = ops->set_readonly(p->snapshot_dev, true, &snap_was_ro);
	if (r < 0)
		goto out;
	snap_ro = true;
	if (!p->mount) {
		r = ops->set_readonly(p->origin_dev, true, &orig_was_ro);
		if (r < 0)
			goto out;
		orig_ro = true;
	}
	r = ops->mount_readonly(p->snapshot_dev, snap, p->fstype, p->options);
	if (r < 0)
		goto out;
	snap_mounted = true;
	if (!p->mount) {
		r = ops->mount_readonly(p->origin_dev, orig, p->fstype, p->options);
		if (r < 0)
			goto out;
		orig_mounted = true;
	}
	/* Mounted: the walk, however long, needs rewind's lock no more (the parent lets it go). */
	if (mounted && (r = mounted(userdata)) < 0)
		goto out;
	a = open(snap, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	b = open(p->mount ?: orig, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a < 0 || b < 0) {
		r = log_err_errno(-errno, "Failed to open %s: %m", a < 0 ? snap : p->mount ?: orig);
		goto out;
	}
	r = tree_diff_full(a, b, p->flags, fn, userdata, stats);
out:
	if (a >= 0)
		close(TAKE_FD(a));
	if (b >= 0)
		close(TAKE_FD(b));
	/* The namespace's end would unmount them too; unmounted now, the devices are closed when
	 * the parent deactivates what it activated. */
	if (orig_mounted)
		(void)ops->unmount(orig);
	if (snap_mounted)
		(void)ops->unmount(snap);
	/* Writable again as they were (a diff killed here leaves them read-only until their
	 * next activation: nothing writes to them meanwhile). */
	if (orig_ro && !orig_was_ro)
		(void)ops->set_readonly(p->origin_dev, false, NULL);
	if (snap_ro && !snap_was_ro)
		(void)ops->set_readonly(p->snapshot_dev, false, NULL);
	return r;
}

static int wire_mounted(void *userdata)
{
	struct wire w = {.kind = 3};

	return fwrite(&w, sizeof(w), 1, userdata) == 1 && fflush(userdata) == 0 ? 0 : -EPIPE;
}

/* The child: a namespace of its own, the changes through fd, then the end record. */
static _noreturn_ void diff_child(const struct plan *p, int fd, pid_t parent)
{
	struct wire end = {.kind = 2};
	FILE *f;

	/* The parent's lock is the parent's: a copy here would hold it for the whole walk. */
	rewind_lock_forget();
	/* The parent killed: so are we, and our namespace with its mounts. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(EXIT_FAILURE);
	f = fdopen(fd, "w");
	if (!f)
		_exit(EXIT_FAILURE);
	end.result = diff_mounted(p, wire_write, f, &end.stats, wire_mounted);
	if (fwrite(&end, sizeof(end), 1, f) != 1 || fclose(f) != 0)
		_exit(EXIT_FAILURE);
	_exit(EXIT_SUCCESS);
}

/* The parent: the child's records to ops->change until the end record. */
static int diff_read(FILE *f, const struct txn_diff_ops *ops, struct txn_diff_member *m)
{
	for (;;) {
		_cleanup_free_ char *path = NULL, *ot = NULL, *nt = NULL;
		struct tree_diff_entry e = {};
		struct wire w;
		int r;

		if (fread(&w, sizeof(w), 1, f) != 1)
			return log_err_errno(-EPIPE, "The diff of %s ended early.", m->volume);
		if (w.kind == 2) {
			m->stats = w.stats;
			return w.result;
		}
		if (w.kind == 3) {
			rewind_lock_forget();
			continue;
		}
		if (w.kind != 1 || w.change >= _TREE_CHANGE_MAX)
			return -EBADMSG;
		r = wire_string(f, w.path_len, false, &path);
		if (r >= 0)
			r = wire_string(f, w.o.target_len, !S_ISLNK(w.o.mode), &ot);
		if (r >= 0)
			r = wire_string(f, w.n.target_len, !S_ISLNK(w.n.mode), &nt);
		if (r < 0)
			return r;
		e.path = path;
		e.change = w.change;
		e.what = w.what;
		wire_node_get(&w.o, &e.old_node, ot);
		wire_node_get(&w.n, &e.new_node, nt);
		r = ops->change(ops->userdata, m, &e);
		if (r < 0)
			return r;
	}
}

struct direct {
	const struct txn_diff_ops *ops;
	const struct txn_diff_member *m;
};

static int direct_change(void *userdata, const struct tree_diff_entry *e)
{
	struct direct *d = userdata;

	return d->ops->change(d->ops->userdata, d->m, e);
}

static int diff_run(const struct plan *p, const struct txn_diff_opts *o,
		    const struct txn_diff_ops *ops, struct txn_diff_member *m)
{
	_cleanup_fclose_ FILE *f = NULL;
	pid_t parent = getpid(), pid;
	int fd[2], r, status;

	if (!o->fork) {
		struct direct d = {ops, m};
		return diff_mounted(p, direct_change, &d, &m->stats, NULL);
	}
	if (pipe2(fd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(fd[0]);
		close(fd[1]);
		return r;
	}
	if (pid == 0) {
		close(fd[0]);
		diff_child(p, fd[1], parent);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	if (!f) {
		close(fd[0]);
		r = -errno;
	} else
		r = diff_read(f, ops, m);
	if (r < 0)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return r;
}

/* The member is one of the volumes asked for: VG/LV, or its mount point now or at begin. */
static bool member_wanted(char *const *volumes, const char *member, const char *mnt_now,
			  const char *mnt_begin)
{
	if (!volumes || !volumes[0])
		return true;
	for (size_t i = 0; volumes[i]; i++)
		if (streq(volumes[i], member) || (mnt_now && streq(volumes[i], mnt_now)) ||
		    (mnt_begin && streq(volumes[i], mnt_begin)))
			return true;
	return false;
}

static int diff_member(struct lvm *l, const struct txn_snap *s, struct mount_table *mt,
		       const struct txn_diff_opts *o, const struct txn_diff_ops *ops)
{
	struct txn_diff_member m = {};
	struct plan p = {};
	bool activated = false, snap_activated = false;
	int r;

	m.volume = strdup_printf("%s/%s", s->lv->vg, s->lv->origin);
	m.snapshot = strdup(s->lv->name);
	if (!m.volume || !m.snapshot) {
		r = -ENOMEM;
		goto out;
	}
	if (mt && s->origin) {
		const char *names[] = {s->origin->dm_path ?: "", s->origin->path ?: "", NULL};
		r = mount_table_target_of(mt, names, &m.mount);
		if (r < 0 && r != -ENOENT)
			goto out;
	}
	if (ops->member_begin && (r = ops->member_begin(ops->userdata, &m)) < 0)
		goto out;
	if (s->invalid || !s->origin) {
		r = log_err_errno(-REFUSE_SNAPSHOT, "Cannot compare %s: its snapshot %s is %s.",
				  m.volume, m.snapshot,
				  s->invalid ? "invalid (overflowed)" : "without its origin");
		goto end;
	}
	if (o->lock && (r = rewind_lock()) < 0)
		goto end;
	if (s->thin) {
		/* Never activated with its origin (activation skip): on its own, and the origin
		 * only when it has to be mounted here. */
		if (!lvm_lv_is_active(s->lv)) {
			r = lvm_lv_activate_skipped(l, s->lv->vg, s->lv->name);
			if (r < 0) {
				log_err_errno(r, "Failed to activate %s/%s: %s", s->lv->vg,
					      m.snapshot, rewind_strerror(r));
				goto end;
			}
			snap_activated = true;
		}
		if (!m.mount && !lvm_lv_is_active(s->origin)) {
			r = lvm_lv_activate(l, s->lv->vg, s->lv->origin, false);
			if (r < 0) {
				log_err_errno(r, "Failed to activate %s: %s", m.volume,
					      rewind_strerror(r));
				goto end;
			}
			activated = true;
		}
	} else if (!lvm_lv_is_active(s->lv)) {
		/* A snapshot is active with its origin: activating the origin activates both. */
		r = lvm_lv_activate(l, s->lv->vg, s->lv->origin, false);
		if (r < 0) {
			log_err_errno(r, "Failed to activate %s: %s", m.volume, rewind_strerror(r));
			goto end;
		}
		activated = true;
	}
	/* The LVM report of before activation has the device paths already. */
	p.snapshot_dev = s->lv->dm_path;
	p.origin_dev = s->origin->dm_path;
	p.mount = m.mount;
	p.flags = o->checksum ? TREE_DIFF_CHECKSUM : 0;
	r = txn_diff_mount_ops->probe(p.snapshot_dev, &m.fstype);
	if (r < 0) {
		log_err_errno(r, "Cannot tell the file system of %s (%s).", m.volume,
			      p.snapshot_dev);
		goto end;
	}
	p.fstype = m.fstype;
	p.options = readonly_options(m.fstype);
	if (!p.options) {
		r = log_err_errno(
		    -EOPNOTSUPP,
		    "Cannot compare %s: its file system is %s; rewind diff reads ext4 "
		    "and XFS snapshots only (it mounts them without writing to them).",
		    m.volume, m.fstype);
		goto end;
	}
	r = diff_run(&p, o, ops, &m);
end:
	/* What this run activated, and nothing else, under the lock again. */
	if ((activated || snap_activated) && o->lock && !rewind_lock_held() && rewind_lock() < 0)
		activated = snap_activated = false;
	if (snap_activated) {
		int k = lvm_lv_deactivate(l, s->lv->vg, s->lv->name);
		if (k < 0)
			log_warning("Failed to deactivate %s/%s again: %s", s->lv->vg, m.snapshot,
				    rewind_strerror(k));
	}
	if (activated) {
		int k = lvm_lv_deactivate(l, s->lv->vg, s->lv->origin);
		if (k < 0)
			log_warning("Failed to deactivate %s again: %s", m.volume,
				    rewind_strerror(k));
	}
	if (o->lock)
		rewind_lock_forget();
	m.result = r;
	if (ops->member_end) {
		int k = ops->member_end(ops->userdata, &m);
		if (k < 0 && r >= 0)
			r = k;
	}
out:
	free(m.volume);
	free(m.snapshot);
	free(m.fstype);
	free(m.mount);
	return r;
}

int txn_diff(struct lvm *l, const struct txn_diff_opts *o, const struct txn_diff_ops *ops,
	     char **ret_txid)
{
	_cleanup_(mount_table_freep) struct mount_table *mt = NULL;
	_cleanup_(txn_set_done) struct txn_set s = {};
	const struct txn *t;
	int r, first = 0;

	r = txn_set_load(l, false, &s);
	if (r < 0)
		return r;
	if (s.n_txns == 0)
		return log_err_errno(-REFUSE_NO_TXN, "No transaction is open.");
	t = &s.txns[0];
	if ((t->phase != TXN_STATE_OPEN && t->phase != TXN_STATE_ARMED) || txn_is_merging(t))
		return log_err_errno(-REFUSE_UNFINISHED,
				     "Transaction %s is %s: only an open or armed transaction "
				     "can be compared.",
				     t->txid, txn_state_to_string(t->phase));
	if (ret_txid && !(*ret_txid = strdup(t->txid)))
		return -ENOMEM;
	r = mount_table_load(&mt);
	if (r < 0)
		return r;
	for (size_t i = 0; o->volumes && o->volumes[i]; i++) {
		bool found = false;

		for (size_t j = 0; !found && j < t->n_snaps; j++) {
			const struct txn_snap *sn = &t->snaps[j];
			_cleanup_free_ char *member =
			    strdup_printf("%s/%s", sn->lv->vg, sn->lv->origin);
			_cleanup_free_ char *now = NULL;
			char *const one[] = {o->volumes[i], NULL};

			if (!member)
				return -ENOMEM;
			if (sn->origin) {
				const char *names[] = {sn->origin->dm_path ?: "",
						       sn->origin->path ?: "", NULL};
				(void)mount_table_target_of(mt, names, &now);
			}
			found = member_wanted(one, member, now, sn->tags.mnt);
		}
		if (!found) {
			_cleanup_free_ char *e = path_escape(o->volumes[i]);
			return log_err_errno(-REFUSE_INPUT,
					     "%s is not a volume of transaction %s (see 'rewind "
					     "status').",
					     e ?: "?", t->txid);
		}
	}
	for (size_t j = 0; j < t->n_snaps; j++) {
		const struct txn_snap *sn = &t->snaps[j];
		_cleanup_free_ char *member = strdup_printf("%s/%s", sn->lv->vg, sn->lv->origin);
		_cleanup_free_ char *now = NULL;

		if (!member)
			return -ENOMEM;
		if (sn->origin) {
			const char *names[] = {sn->origin->dm_path ?: "", sn->origin->path ?: "",
					       NULL};
			(void)mount_table_target_of(mt, names, &now);
		}
		if (!member_wanted(o->volumes, member, now, sn->tags.mnt))
			continue;
		r = diff_member(l, sn, mt, o, ops);
		if (r == -ENOMEM || r == -EPIPE)
			return r;
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}

/* ---- the changes kept in memory ---- */

static int collect_change(void *userdata, const struct txn_diff_member *m,
			  const struct tree_diff_entry *e)
{
	struct txn_diff_result *res = userdata;
	struct txn_diff_volume *v = &res->volumes[res->n_volumes - 1];
	struct txn_diff_change *c;

	if (v->n_changes == v->allocated) {
		size_t a = v->allocated ? v->allocated * 2 : 64;
		struct txn_diff_change *n = realloc(v->changes, a * sizeof(*n));
		if (!n)
			return -ENOMEM;
		v->changes = n;
		v->allocated = a;
	}
	c = &v->changes[v->n_changes];
	*c = (struct txn_diff_change){
	    .path = strdup(e->path),
	    .change = e->change,
	    .what = e->what,
	    .old_node = e->old_node,
	    .new_node = e->new_node,
	};
	c->old_node.target = e->old_node.target ? strdup(e->old_node.target) : NULL;
	c->new_node.target = e->new_node.target ? strdup(e->new_node.target) : NULL;
	v->n_changes++;
	if (!c->path || (e->old_node.target && !c->old_node.target) ||
	    (e->new_node.target && !c->new_node.target))
		return -ENOMEM;
	return 0;
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return s && !*ret ? -ENOMEM : 0;
}

static int collect_begin(void *userdata, const struct txn_diff_member *m)
{
	struct txn_diff_result *res = userdata;
	struct txn_diff_volume *n = realloc(res->volumes, (res->n_volumes + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	res->volumes = n;
	n = &res->volumes[res->n_volumes++];
	*n = (struct txn_diff_volume){};
	if (dup_or_null(m->volume, &n->m.volume) < 0 ||
	    dup_or_null(m->snapshot, &n->m.snapshot) < 0 || dup_or_null(m->mount, &n->m.mount) < 0)
		return -ENOMEM;
	return 0;
}

static int collect_end(void *userdata, const struct txn_diff_member *m)
{
	struct txn_diff_result *res = userdata;
	struct txn_diff_volume *v = &res->volumes[res->n_volumes - 1];

	v->m.stats = m->stats;
	v->m.result = m->result;
	return dup_or_null(m->fstype, &v->m.fstype);
}

const struct txn_diff_ops txn_diff_collect_ops = {
    .member_begin = collect_begin,
    .member_end = collect_end,
    .change = collect_change,
};

void txn_diff_result_done(struct txn_diff_result *r)
{
	for (size_t i = 0; i < r->n_volumes; i++) {
		struct txn_diff_volume *v = &r->volumes[i];

		for (size_t j = 0; j < v->n_changes; j++) {
			free(v->changes[j].path);
			free(v->changes[j].old_node.target);
			free(v->changes[j].new_node.target);
		}
		free(v->changes);
		free(v->m.volume);
		free(v->m.snapshot);
		free(v->m.fstype);
		free(v->m.mount);
	}
	free(r->volumes);
	free(r->txid);
	*r = (struct txn_diff_result){};
}
