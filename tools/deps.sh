#!/bin/bash
# Install the Debian 12 packages that building, testing and the VM harness need.
# Idempotent and quick when everything is already there; runs apt-get only when something is missing.
set -euo pipefail
pkgs=(
	build-essential pkg-config clang-format
	liblvm2-dev libdevmapper-dev libkmod-dev libjson-c-dev libmount-dev libssl-dev clang
	lvm2 qemu-system-x86 qemu-utils ovmf systemd-boot-efi
	mtools dosfstools mmdebstrap fdisk gdisk e2fsprogs zstd cpio
	debhelper dpkg-dev lintian # make deb (the package's Build-Depends are above)
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "Failed to install build dependencies: run as root, or install: ${missing[*]}" >&2
	exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
