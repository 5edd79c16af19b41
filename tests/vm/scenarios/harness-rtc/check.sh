# check_clock: the guest's clock is off from the host's by this stage's offset (stage-N.rtc-offset,
# else rtc-offset), and nothing moved it away from the RTC since boot.
check_clock() {
	local f=rtc-offset want host now up rtc d
	[ -e "stage-$VMTEST_STAGE.rtc-offset" ] && f=stage-$VMTEST_STAGE.rtc-offset
	want=$(grep -v '^#' "$f" | head -n 1); want=$((${want#+}))
	host=$(vmtest_host_clock)               # the host's clock when QEMU started
	now=$(date +%s); up=$(cut -d. -f1 /proc/uptime); rtc=$(cat /sys/class/rtc/rtc0/since_epoch)
	d=$((now - want - host))                # seconds since QEMU started, if the offset is right
	echo "guest clock $(date -u '+%F %T'), RTC $(date -u -d "@$rtc" '+%F %T'), host clock at QEMU" \
		"start $(date -u -d "@$host" '+%F %T'): guest - host = $want s ($f) + $d s (uptime $up s + firmware)"
	journalctl -b --no-pager | grep -E 'advancing clock|Time has been changed|System clock|timesync' || true
	# since QEMU started: the kernel's uptime plus the firmware's few seconds (TCG)
	vmtest_assert [ "$d" -ge $((up - 2)) ] && vmtest_assert [ "$d" -le $((up + 60)) ]
	# nothing moved the system clock away from the RTC since boot (no timesyncd, no clock epoch)
	vmtest_assert [ $((now - rtc)) -ge -2 ] && vmtest_assert [ $((now - rtc)) -le 2 ]
}
