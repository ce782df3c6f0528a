/* cli.h — what every Ancestral command-line program shares: the exit codes of the
 * contract (0 ok, 1 runtime failure, 2 bad usage or unusable input), one-line
 * failure messages prefixed with the program name, strict number parsing, and a
 * terminal progress bar. tools/ only: the core never prints or exits. */
#ifndef ANC_CLI_H
#define ANC_CLI_H

#include <stdio.h>

enum { ANC_EXIT_OK = 0, ANC_EXIT_FAILURE = 1, ANC_EXIT_USAGE = 2 };

/* Program name for messages ("ancestral-train"); set once in main(). */
void anc_cli_set_program(const char *name);
const char *anc_cli_program(void);

/* Prints "program: message" on stderr and exits with code. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3), noreturn))
#endif
void anc_cli_die(int code, const char *fmt, ...);

/* Prints "program: warning: message" on stderr. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void anc_cli_warn(const char *fmt, ...);

/* Callbacks for the corpus reader (anc_audio_warn_fn in audio_in.h; user unused):
 * "warning: skipping PATH: REASON" for a file not used, "warning: PATH: REASON"
 * for one used in part (cut short). */
void anc_cli_warn_skipped(void *user, const char *path, const char *reason);
void anc_cli_warn_used(void *user, const char *path, const char *reason);

/* Strict parsers for option values: the whole string must be a number in
 * [lo, hi]; otherwise they die with exit code 2 naming the option. */
long anc_cli_int(const char *opt, const char *s, long lo, long hi);
double anc_cli_double(const char *opt, const char *s, double lo, double hi);
unsigned long long anc_cli_u64(const char *opt, const char *s);
/* Comma-separated integers ("512,256"), each in [lo, hi]; returns the count
 * (1..max) or dies. */
int anc_cli_int_list(const char *opt, const char *s, int *out, int max, long lo, long hi);
/* Comma-separated floats ("0.5,-1,2"); returns the count (1..max) or dies. */
int anc_cli_double_list(const char *opt, const char *s, double *out, int max, double lo, double hi);

/* The cores this process may use (its CPU affinity), 1 .. ANC_CLI_MAX_THREADS:
 * the default for --threads. */
#define ANC_CLI_MAX_THREADS 256
int anc_cli_cores(void);

/* Whether stderr is a terminal (progress bars are drawn only then). */
int anc_cli_is_tty(void);
/* Draws "label [#####.....] 42% ETA 1:23 <extra>" over the current terminal line. */
void anc_cli_progress(const char *label, double fraction, double elapsed_s, const char *extra);
/* Ends a progress line (newline on a terminal, nothing otherwise). */
void anc_cli_progress_end(void);
/* Monotonic wall-clock seconds. */
double anc_cli_now(void);

#endif
