// How to start libvirt on a host where it is installed but not running. Hosts without
// systemd (containers, minimal installs, this project's CI machine) have no socket
// activation: the SysV script (Debian's libvirt-daemon-system-sysv) or the daemons
// themselves, virtlogd first because QEMU domains log through it (libvirt docs,
// "libvirtd" and "virtlogd" manual pages: -d runs as a daemon).
export const LIBVIRT_START_HINT = 'start libvirt: service libvirtd start (or, without an init system: virtlogd -d && libvirtd -d)';

/** Where the monolithic daemon is installed on Debian: installed but not running is when the hint helps. */
export const LIBVIRTD_PATHS: readonly string[] = ['/usr/sbin/libvirtd', '/usr/bin/libvirtd'];
