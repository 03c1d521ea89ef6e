#ifndef CSAFEMAP_H
#define CSAFEMAP_H

#include <stddef.h>
#include <stdint.h>

/// Guards read-only file mappings against the file shrinking under them.
///
/// Reading a page of a shared file mapping that lies wholly beyond the file's current end raises SIGBUS
/// (what happens to a log that logrotate's `copytruncate` cuts while it is being read). A registered
/// mapping instead gets anonymous zero pages from the faulting page to its end, and the offset of that
/// page is recorded, so the reader sees zeros, finishes its pass, and asks `csafemap_cut_offset` (and
/// the file's current size) what is still real. A SIGBUS anywhere else goes to the previous handler (or the
/// default action), as if this were not installed.

/// Installs the SIGBUS handler once (later calls do nothing). Returns 0, or -1 when sigaction failed.
int csafemap_install(void);

/// Puts the handler back in front after other code set a SIGBUS handler of its own (the terminal's crash
/// restore does): that handler becomes the one SIGBUS outside registered mappings is passed to.
int csafemap_reinstall(void);

/// Registers a mapping of `length` bytes at `base`. Returns a slot for the other calls, or -1 when every
/// slot is taken (the mapping is then unguarded).
int csafemap_register(const void *base, size_t length);

/// Forgets a slot; call before unmapping.
void csafemap_unregister(int slot);

/// The offset within the mapping of the first page replaced by zeros, or -1 while the mapping is intact.
int64_t csafemap_cut_offset(int slot);

/// 1 when `path` is on a file system whose files' sizes are not their contents' (Linux's procfs and sysfs:
/// 0, or 4096 for a sysfs attribute, which cannot be mapped): such a file is read as a stream. 0 otherwise.
int csafemap_sizeless_fs(const char *path);

#endif
