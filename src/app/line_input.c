/*
 * line_input.c - one line typed at the terminal, for gradcalc's prompt and
 * for a lesson's answer prompt.
 *
 * Lines come from GNU Readline through its callback interface: gradcalc
 * waits in pselect() with SIGINT and SIGWINCH unblocked only there, so a
 * Ctrl-C lands in the wait, and the line is dropped without the signal
 * handler ever touching readline. A resized window is passed on to readline
 * the same way.
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>
#include "app/line_input.h"
#include "app/run.h"

static volatile sig_atomic_t resized;
static char *got_line; /* handed over by on_line */
static int got;

static void on_sigwinch(int sig)
{
    (void)sig;
    resized = 1;
}

static void on_line(char *line)
{
    got_line = line;
    got = 1;
    rl_callback_handler_remove(); /* no new prompt until asked */
}

/* Once, before the first line: gradcalc handles the signals itself. */
static void init(void)
{
    static int done;
    struct sigaction sa;
    if (done) return;
    done = 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigwinch;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);
    setlocale(LC_CTYPE, ""); /* so readline edits UTF-8 as characters */
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
}

int line_input_read(const char *prompt, char **line)
{
    sigset_t block, old, waiting;
    int result = LINE_OK;

    init();
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGWINCH);
    sigprocmask(SIG_BLOCK, &block, &old);
    waiting = old;
    sigdelset(&waiting, SIGINT);
    sigdelset(&waiting, SIGWINCH);

    run_sigint_seen = 0;
    got = 0;
    got_line = NULL;
    fflush(stdout);
    rl_callback_handler_install(prompt, on_line);
    while (!got) {
        fd_set in;
        FD_ZERO(&in);
        FD_SET(STDIN_FILENO, &in);
        int r = pselect(STDIN_FILENO + 1, &in, NULL, NULL, NULL, &waiting);
        if (run_sigint_seen) {
            /* Ctrl-C: leave what was typed on screen, start a fresh line. */
            run_sigint_seen = 0;
            rl_point = rl_end;
            rl_redisplay();
            fputs("^C\n", stdout); /* before readline lets go of the line */
            fflush(stdout);
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_replace_line("", 0);
            rl_callback_handler_remove();
            history_set_pos(history_length);
            result = LINE_INTERRUPTED;
            break;
        }
        if (resized) {
            resized = 0;
            rl_resize_terminal();
        }
        if (r < 0) {
            if (errno == EINTR) continue;
            rl_callback_handler_remove();
            got_line = NULL;
            break;
        }
        if (r > 0) rl_callback_read_char();
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (result == LINE_OK && got_line == NULL) {
        fputc('\n', stdout); /* Ctrl-D: end the prompt's line */
        result = LINE_EOF;
    }
    *line = result == LINE_OK ? got_line : NULL;
    return result;
}
