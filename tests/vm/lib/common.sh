# shellcheck shell=bash
# Shared helpers for tests/vm/run: messages, paths, hashing.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_TOP=${REWIND_VM_SRC:-$(cd "$VM_DIR/../.." && pwd)}   # the tree whose Debian package the guest installs
CACHE_ROOT=${REWIND_VM_CACHE:-/var/cache/rewind-vm}
LOG_ROOT=${REWIND_VM_LOGS:-/var/tmp/rewind-vm-logs}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
SDBOOT_EFI=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
# Fixed identities of the guest, so that cached images and ESP entries are reproducible.
GUEST_MACHINE_ID=5e7a1c0de0f1e2d3c4b5a69788990011
ESP_VOLID=5EC0B007
ESP_UUID=5EC0-B007
GUEST_CMDLINE="root=/dev/mapper/vg0-root rd.lvm.lv=vg0/root ro console=ttyS0 panic=-1 systemd.show_status=1"

export MTOOLS_SKIP_CHECK=1 LVM_SUPPRESS_FD_WARNINGS=1 LC_ALL=C

msg() { printf '%s\n' "$*" >&2; }
info() { printf '[vm] %s\n' "$*" >&2; }
die() { printf '[vm] error: %s\n' "$*" >&2; exit 2; }

# now_ms: monotonic-ish wall clock in milliseconds.
now_ms() { date +%s%3N; }
# secs START_MS: elapsed seconds with one decimal.
secs() { local d=$(( $(now_ms) - $1 )); printf '%d.%d' $((d / 1000)) $((d % 1000 / 100)); }

# hash_files FILE...: one sha256 over the names and contents of the given files.
hash_files() {
	local f
	for f in "$@"; do printf '%s\n' "${f#"$VM_DIR"/}"; cat "$f"; done | sha256sum | cut -c1-16
}

# hash_tree DIR: sha256 over a directory tree (names, modes, contents), order-independent of mtime.
hash_tree() {
	tar -C "$1" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | sha256sum | cut -c1-16
}

# lvm_host DEV ARGS...: run an lvm command on the host that only sees loop device DEV and keeps no
# metadata backups, so it never touches the host's own volumes or other users' loop devices.
lvm_host() {
	local dev=$1; shift
	lvm "$1" --config "devices { filter=[\"a|^$dev\$|\",\"r|.*|\"] global_filter=[\"a|^$dev\$|\",\"r|.*|\"] use_devicesfile=0 }
		backup { backup=0 archive=0 }" "${@:2}"
}
