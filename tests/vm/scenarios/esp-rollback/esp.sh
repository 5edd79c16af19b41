# Shared by the stages: the ESP's files and their hashes, boot loader state left out.
esp=/boot/efi
entries=$esp/loader/entries
mid=$(cat /etc/machine-id)
new=6.1.0-99-amd64
esp_hashes() {
	(cd "$esp" && find . -type f ! -path './rewind/*' ! -iname random-seed -print0 |
		sort -z | xargs -0 sha256sum)
}
