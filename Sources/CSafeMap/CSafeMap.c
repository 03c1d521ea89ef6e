#define _GNU_SOURCE
#include "CSafeMap.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__linux__)
#include <sys/vfs.h>
#endif
#include <unistd.h>

// A fixed table read from the signal handler without locks: a slot is published by storing its base last
// (release) and read by loading the base first (acquire). Registration takes a mutex; the handler never does.
#define SLOTS 1024

struct slot {
    _Atomic(uintptr_t) base;
    _Atomic(size_t) length;
    _Atomic(int64_t) cut;
};

static struct slot slots[SLOTS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_result = -1;
static struct sigaction previous;

static void forward(int sig, siginfo_t *info, void *context) {
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction) { previous.sa_sigaction(sig, info, context); return; }
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    // The default action: restore it and return, so the faulting access runs again and ends the process
    // with SIGBUS as it would have without this handler.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
}

static long page_size = 4096;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    long page = page_size;
    for (int k = 0; k < SLOTS; k++) {
        uintptr_t base = atomic_load_explicit(&slots[k].base, memory_order_acquire);
        if (base == 0) continue;
        size_t length = atomic_load_explicit(&slots[k].length, memory_order_relaxed);
        if (address < base || address >= base + length) continue;
        uintptr_t from = address & ~((uintptr_t)page - 1);
        uintptr_t end = (base + length + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
        // mmap is not on POSIX's list of async-signal-safe functions, but on Linux and Darwin it is a plain
        // system call. Zeros from here to the end of the mapping: one fault, not one per page.
        void *zeros = mmap((void *)from, end - from, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (zeros == MAP_FAILED) break;
        int64_t offset = (int64_t)(from - base);
        int64_t seen = atomic_load_explicit(&slots[k].cut, memory_order_relaxed);
        while ((seen < 0 || offset < seen) &&
               !atomic_compare_exchange_weak_explicit(&slots[k].cut, &seen, offset, memory_order_relaxed, memory_order_relaxed)) {
        }
        return;
    }
    forward(sig, info, context);
}

static struct sigaction our_action(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    return action;
}

static void install(void) {
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0) page_size = page;
    struct sigaction action = our_action();
    install_result = sigaction(SIGBUS, &action, &previous);
}

int csafemap_install(void) {
    pthread_once(&install_once, install);
    return install_result;
}

int csafemap_reinstall(void) {
    csafemap_install();
    pthread_mutex_lock(&table_lock);
    struct sigaction current;
    int result = sigaction(SIGBUS, NULL, &current);
    if (result == 0 && !((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_sigbus)) {
        // Blocked while `previous` changes, so a fault on this thread cannot see it half written.
        sigset_t block, saved;
        sigemptyset(&block);
        sigaddset(&block, SIGBUS);
        pthread_sigmask(SIG_BLOCK, &block, &saved);
        previous = current;
        struct sigaction action = our_action();
        result = sigaction(SIGBUS, &action, NULL);
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    }
    pthread_mutex_unlock(&table_lock);
    return result;
}

int csafemap_register(const void *base, size_t length) {
    if (base == NULL || length == 0) return -1;
    csafemap_install();
    pthread_mutex_lock(&table_lock);
    int found = -1;
    for (int k = 0; k < SLOTS; k++) {
        if (atomic_load_explicit(&slots[k].base, memory_order_relaxed) == 0) {
            atomic_store_explicit(&slots[k].length, length, memory_order_relaxed);
            atomic_store_explicit(&slots[k].cut, -1, memory_order_relaxed);
            atomic_store_explicit(&slots[k].base, (uintptr_t)base, memory_order_release);
            found = k;
            break;
        }
    }
    pthread_mutex_unlock(&table_lock);
    return found;
}

void csafemap_unregister(int slot) {
    if (slot < 0 || slot >= SLOTS) return;
    pthread_mutex_lock(&table_lock);
    atomic_store_explicit(&slots[slot].base, 0, memory_order_release);
    pthread_mutex_unlock(&table_lock);
}

int64_t csafemap_cut_offset(int slot) {
    if (slot < 0 || slot >= SLOTS) return -1;
    return atomic_load_explicit(&slots[slot].cut, memory_order_relaxed);
}

int csafemap_sizeless_fs(const char *path) {
#if defined(__linux__)
    struct statfs fs;
    if (statfs(path, &fs) != 0) return 0;
    return fs.f_type == 0x9fa0 /* PROC_SUPER_MAGIC */ || fs.f_type == 0x62656572 /* SYSFS_MAGIC */;
#else
    (void)path;
    return 0;
#endif
}
