#ifndef COMPLETION_TUI_CNCURSES_SHIM_H
#define COMPLETION_TUI_CNCURSES_SHIM_H

// Wide-character curses: without these, ncursesw drops CJK and emoji and cchar_t is missing.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <poll.h>
#include <langinfo.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <sys/wait.h>
#include <wchar.h>
#include <curses.h>
#include <term.h>

// Swift 6 cannot touch C globals such as stdscr, LINES and COLS, nor import function-like macros:
// everything the backend needs from them goes through these wrappers.

static inline WINDOW *ct_stdscr(void) { return stdscr; }
static inline WINDOW *ct_curscr(void) { return curscr; }
static inline int ct_lines(void) { return LINES; }
static inline int ct_cols(void) { return COLS; }
static inline int ct_colors(void) { return COLORS; }
static inline int ct_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t ct_color_pair(int n) { return (attr_t)COLOR_PAIR(n); }

static inline attr_t ct_a_normal(void) { return A_NORMAL; }
static inline attr_t ct_a_bold(void) { return A_BOLD; }
static inline attr_t ct_a_dim(void) { return A_DIM; }
static inline attr_t ct_a_reverse(void) { return A_REVERSE; }
static inline attr_t ct_a_underline(void) { return A_UNDERLINE; }
static inline attr_t ct_a_italic(void) { return A_ITALIC; }

static inline void ct_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }

// Keys (octal macros in curses.h).
static inline int ct_key_code_yes(void) { return KEY_CODE_YES; }
static inline int ct_key_resize(void) { return KEY_RESIZE; }
static inline int ct_key_up(void) { return KEY_UP; }
static inline int ct_key_down(void) { return KEY_DOWN; }
static inline int ct_key_left(void) { return KEY_LEFT; }
static inline int ct_key_right(void) { return KEY_RIGHT; }
static inline int ct_key_home(void) { return KEY_HOME; }
static inline int ct_key_end(void) { return KEY_END; }
static inline int ct_key_find(void) { return KEY_FIND; }
static inline int ct_key_select(void) { return KEY_SELECT; }
static inline int ct_key_beg(void) { return KEY_BEG; }
static inline int ct_key_a1(void) { return KEY_A1; }
static inline int ct_key_a3(void) { return KEY_A3; }
static inline int ct_key_c1(void) { return KEY_C1; }
static inline int ct_key_c3(void) { return KEY_C3; }
static inline int ct_key_shome(void) { return KEY_SHOME; }
static inline int ct_key_send(void) { return KEY_SEND; }
/// The terminfo name of a key code (`kHOM5`), or NULL.
static inline const char *ct_key_name(int code) { return keyname(code); }
static inline int ct_key_ppage(void) { return KEY_PPAGE; }
static inline int ct_key_npage(void) { return KEY_NPAGE; }
static inline int ct_key_btab(void) { return KEY_BTAB; }
static inline int ct_key_enter(void) { return KEY_ENTER; }
static inline int ct_key_backspace(void) { return KEY_BACKSPACE; }
static inline int ct_key_dc(void) { return KEY_DC; }
static inline int ct_key_f1(void) { return KEY_F(1); }
static inline int ct_key_mouse(void) { return KEY_MOUSE; }

// Mouse.
static inline mmask_t ct_mouse_mask_all(void) { return ALL_MOUSE_EVENTS; }
static inline mmask_t ct_button1_pressed(void) { return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED | BUTTON1_DOUBLE_CLICKED; }
static inline mmask_t ct_button4_pressed(void) { return BUTTON4_PRESSED; }
#ifdef BUTTON5_PRESSED
static inline mmask_t ct_button5_pressed(void) { return BUTTON5_PRESSED; }
#else
static inline mmask_t ct_button5_pressed(void) { return 0; }
#endif
/// Reads the pending mouse event; returns 0 when there is one.
static inline int ct_get_mouse(int *y, int *x, mmask_t *state) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return -1;
    *y = ev.y; *x = ev.x; *state = ev.bstate;
    return 0;
}

/// Reads one key: returns OK for a character, KEY_CODE_YES for a function key, ERR on timeout.
static inline int ct_get_wch(int *out) {
    wint_t w = 0;
    int r = wget_wch(stdscr, &w);
    *out = (int)w;
    return r;
}

/// Puts one cell: a grapheme's scalars (the first spacing, the rest combining) with attributes and a pair.
/// A cluster that curses cannot hold in one cchar_t (ZWJ sequences, flags: more than one spacing scalar)
/// is drawn as its first scalar, so the terminal's idea of widths cannot drift from the grid's.
static inline int ct_put_cell(int y, int x, const wchar_t *chars, int count, attr_t attrs, short pair) {
    cchar_t cc;
    wchar_t buf[CCHARW_MAX + 1];
    int n = count < CCHARW_MAX ? count : CCHARW_MAX - 1;
    if (n < 1) n = 1;
    for (int i = 0; i < n; i++) buf[i] = chars[i];
    buf[n] = 0;
    if (setcchar(&cc, buf, attrs, pair, NULL) != OK) {
        buf[1] = 0;
        if (setcchar(&cc, buf, attrs, pair, NULL) != OK) return ERR;
    }
    return mvwadd_wch(stdscr, y, x, &cc);
}

/// Columns glibc (and so ncurses) gives a character; -1 for non-printable.
static inline int ct_wcwidth(int c) { return wcwidth((wchar_t)c); }

/// Writes bytes straight to the terminal (OSC 52), after flushing what curses buffered.
static inline void ct_write_raw(FILE *out, const char *bytes, size_t len) {
    fflush(out);
    int fd = fileno(out);
    while (len > 0) {
        ssize_t n = write(fd, bytes, len);
        if (n <= 0) break;
        bytes += n; len -= (size_t)n;
    }
}

/// True when the terminal behind `fd` is gone (its pty closed): reads would fail forever, so the inspector quits.
static inline int ct_fd_hung_up(int fd) {
    struct pollfd p;
    p.fd = fd; p.events = POLLIN; p.revents = 0;
    if (poll(&p, 1, 0) < 0) return 0;
    return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

static inline FILE *ct_stdout(void) { return stdout; }
static inline FILE *ct_stdin(void) { return stdin; }

/// True when the current locale's codeset is UTF-8.
static inline int ct_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

// Restoring the terminal from a crash: Swift traps arrive as SIGILL/SIGTRAP, and endwin() is not safe in
// a signal handler, so the handler writes a precomputed reset sequence and the saved termios (both
// async-signal-safe), then re-raises with the default action.
struct ct_crash_state {
    int fd;
    int have_termios;
    struct termios termios;
    char seq[256];
    size_t seq_len;
};
// Function-local storage: file-scope statics in an imported header are not emitted by Swift.
static inline struct ct_crash_state *ct_crash(void) {
    static struct ct_crash_state state = { -1, 0 };
    return &state;
}

static inline void ct_crash_handler(int sig) {
    struct ct_crash_state *c = ct_crash();
    if (c->fd >= 0) {
        if (c->seq_len > 0) { ssize_t r = write(c->fd, c->seq, c->seq_len); (void)r; }
        if (c->have_termios) tcsetattr(c->fd, TCSANOW, &c->termios);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/// Saves the terminal state of `fd` before curses changes it and installs the crash handlers.
static inline void ct_install_crash_restore(int fd, const char *seq) {
    struct ct_crash_state *c = ct_crash();
    c->fd = fd;
    c->have_termios = tcgetattr(fd, &c->termios) == 0;
    size_t len = strlen(seq);
    if (len >= sizeof(c->seq)) len = sizeof(c->seq) - 1;
    memcpy(c->seq, seq, len);
    c->seq_len = len;
    int sigs[] = { SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) signal(sigs[i], ct_crash_handler);
}

/// Replaces the reset sequence (once curses has read the terminal's description) without touching the
/// saved termios. Copies at most the buffer's size; the handler reads it only whole.
static inline void ct_set_crash_reset(const char *seq) {
    struct ct_crash_state *c = ct_crash();
    size_t len = strlen(seq);
    if (len >= sizeof(c->seq)) len = sizeof(c->seq) - 1;
    c->seq_len = 0;
    memcpy(c->seq, seq, len);
    c->seq_len = len;
}

/// A string capability of the current terminal (`rmkx`, `rmcup`, `cnorm`, `sgr0`), or NULL when it has none.
static inline const char *ct_string_capability(const char *name) {
    char *s = tigetstr(name);
    if (s == NULL || s == (char *)-1) return NULL;
    return s;
}

static inline void ct_remove_crash_restore(void) {
    int sigs[] = { SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) signal(sigs[i], SIG_DFL);
    ct_crash()->fd = -1;
}

// Quit requests from outside (SIGTERM, SIGHUP, SIGINT when not in raw mode): the handler only sets a flag
// that the run loop polls, so teardown happens on the main thread through endwin().
static inline volatile sig_atomic_t *ct_quit_flag(void) {
    static volatile sig_atomic_t flag = 0;
    return &flag;
}
static inline void ct_quit_handler(int sig) { *ct_quit_flag() = sig; }
static inline void ct_install_quit_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = ct_quit_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: a blocking read returns so the loop sees the flag at once
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
}

/// Keys arrive raw, so ^Z is an ordinary key that the program turns into `ct_stop_job`; ignoring SIGTSTP
/// also keeps curses from installing its stop handler, which can leave the process suspended forever when
/// its terminal disappears.
static inline void ct_ignore_stop_signals(void) { signal(SIGTSTP, SIG_IGN); }

// Continuing after a stop that the program did not ask for (started with `&` and stopped by the terminal
// driver, or `kill -STOP`): the handler sets a flag, and the loop puts the terminal modes back and repaints.
static inline volatile sig_atomic_t *ct_continued_flag(void) {
    static volatile sig_atomic_t flag = 0;
    return &flag;
}
static inline void ct_continue_handler(int sig) { (void)sig; *ct_continued_flag() = 1; }
static inline void ct_install_continue_signal(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = ct_continue_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCONT, &sa, NULL);
}
/// True once after the process was continued.
static inline int ct_take_continued(void) {
    int was = (int)*ct_continued_flag();
    *ct_continued_flag() = 0;
    return was;
}

/// Stops the job with `sig` as ^Z (SIGTSTP) or a background read (SIGTTIN) does in a shell, and returns
/// once it is continued (`fg`, `bg`): 1 then, 0 when nothing stopped it.
///
/// The whole process group stops, as vim does it: a job of several processes (`cat log | completion-tui -`,
/// a script that runs it) is then reported stopped by the shell. The signal may be taken by any thread,
/// so this waits for the continue signal before putting the old action back (ignoring it earlier would
/// discard the stop). Where no shell has job control the group is orphaned and the kernel discards the
/// signal: the wait ends after a quarter of a second and the program goes on instead of stopping for ever.
static inline int ct_stop_job(int sig) {
    *ct_continued_flag() = 0;
    void (*old)(int) = signal(sig, SIG_DFL);
    kill(0, sig);
    for (int i = 0; i < 250 && !*ct_continued_flag(); i++) {
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    if (old != SIG_ERR) signal(sig, old);
    int continued = (int)*ct_continued_flag();
    *ct_continued_flag() = 0;
    return continued;
}
static inline int ct_sigtstp(void) { return SIGTSTP; }

/// Waits until the job is in the foreground of the terminal `fd`, stopping as a background job that
/// reads does. The loop runs on a thread that blocks SIGTTIN and SIGTTOU, so the terminal driver would
/// not stop it: reads would fail and drawing would land on the shell's screen. Returns at once where
/// there is no job control.
static inline void ct_wait_for_foreground(int fd) {
    for (int tries = 0; tries < 100; tries++) {
        pid_t fg = tcgetpgrp(fd);
        if (fg < 0 || fg == getpgrp()) return;
        if (!ct_stop_job(SIGTTIN)) return;
    }
}

/// The terminal's size in cells from the kernel; 0 when it cannot say.
static inline int ct_tty_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return 0;
    *rows = ws.ws_row; *cols = ws.ws_col;
    return 1;
}
static inline int ct_pending_quit_signal(void) { return (int)*ct_quit_flag(); }

/// Whether the terminal description advertises clipboard writes (the `Ms` extended capability).
static inline int ct_has_clipboard_cap(void) {
    char *s = tigetstr("Ms");
    return s != NULL && s != (char *)-1;
}

/// Runs `command` through `sh -c` with `text` on its standard input and waits for it, as system() does:
/// SIGINT and SIGQUIT are ignored meanwhile (^C in the pager is the pager's), and the child starts with
/// default signal actions and nothing blocked. Returns the exit status, or -1 when it could not start.
static inline int ct_run_with_input(const char *command, const char *text, size_t len) {
    extern char **environ;
    int fds[2];
    if (pipe(fds) != 0) return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    int sigs[] = { SIGTSTP, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCONT, SIGTTIN, SIGTTOU, SIGPIPE, SIGWINCH };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) sigaddset(&defaults, sigs[i]);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = { "sh", "-c", (char *)command, NULL };
    struct sigaction ignore, oldInt, oldQuit, oldPipe;
    memset(&ignore, 0, sizeof(ignore));
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, &ignore, &oldInt);
    sigaction(SIGQUIT, &ignore, &oldQuit);
    sigaction(SIGPIPE, &ignore, &oldPipe);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(fds[0]);
    int status = 0;
    if (rc == 0) {
        // The pager may quit before reading everything: the write then fails with EPIPE, and that is fine.
        while (len > 0) {
            ssize_t n = write(fds[1], text, len);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            text += n; len -= (size_t)n;
        }
    }
    close(fds[1]);
    if (rc == 0) { while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {} }
    sigaction(SIGINT, &oldInt, NULL);
    sigaction(SIGQUIT, &oldQuit, NULL);
    sigaction(SIGPIPE, &oldPipe, NULL);
    if (rc != 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}

#endif
