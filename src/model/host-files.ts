// The files kvmio owns on a host: one name each, shared by the plan that writes them
// (decide/plan-host.ts), the renderers that fill them (render/), the audits that name
// them in a fix and the verify that recognises them (decide/).

/**
 * kvmio's sysctl.d drop-in. systemd-sysctl applies /etc, /run and /usr/lib sysctl.d files
 * in name order and the last setting of a key wins (sysctl.d(5)); "90-" sorts after the
 * distributions' own files but before Debian's 99-sysctl.conf link to /etc/sysctl.conf,
 * so a setting the administrator put in /etc/sysctl.conf still wins.
 */
export const SYSCTL_FILE = '/etc/sysctl.d/90-kvmio.conf';

/** Persisted schedulers as udev rules matched on stable identity (RHEL docs "Set the disk scheduler using udev rules"; udev(7)). */
export const UDEV_SCHED_FILE = '/etc/udev/rules.d/60-kvmio-scheduler.rules';

/** Only where udev is absent: tmpfiles.d "w" lines match by kernel name and run once at boot (tmpfiles.d(5)). */
export const TMPFILES_SCHED_FILE = '/etc/tmpfiles.d/kvmio-scheduler.conf';

/** GRUB defaults drop-in: grub-mkconfig sources /etc/default/grub.d/*.cfg after /etc/default/grub (Debian grub2 util/grub-mkconfig.in). */
export const GRUB_DROPIN_FILE = '/etc/default/grub.d/kvmio.cfg';

/** Per-address vfio-pci override as a udev rule (what driverctl set-override writes; Documentation/ABI/testing/sysfs-bus-pci driver_override). */
export const VFIO_UDEV_FILE = '/etc/udev/rules.d/90-kvmio-vfio.rules';

/** vfio-pci ids= option for modprobe (modprobe.d(5); drivers/vfio/pci/vfio_pci.c "ids" parameter). */
export const VFIO_MODPROBE_FILE = '/etc/modprobe.d/kvmio-vfio.conf';

/** A block device's I/O scheduler in sysfs (Documentation/block/switching-sched.rst). */
export const schedulerSysfsPath = (device: string): string => `/sys/block/${device}/queue/scheduler`;

/** The sysctl kvmio sizes for native AIO (Documentation/admin-guide/sysctl/fs.rst, aio-max-nr). */
export const AIO_MAX_NR_KEY = 'fs.aio-max-nr';
