/* SPDX-License-Identifier: MIT */
/*
 * Room lib/ (uses no other room): small helpers any room may use. This
 * header: logging and error messages; also clock.h, outbuf.h, hashtab.h,
 * ifname.h and abi_names.h.
 *
 * The one way gnvtrace speaks on stderr: one line each, "gnvtrace: " and
 * what happened and what to do. Warnings and notes always (tests and
 * operators wait for "tracing"); debug lines with -v -v, beside libbpf's.
 * And the one way a function hands an error message back to its caller
 * instead (err, errlen): gnv_errf.
 */
#ifndef GNV_LOG_H
#define GNV_LOG_H

#include <stddef.h>

enum gnv_log_level { GNV_LOG_WARN, GNV_LOG_INFO, GNV_LOG_DEBUG };

void gnv_log(enum gnv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Debug lines from verbose 2 (-v -v) up; 0 the default. */
void gnv_log_set_verbose(int verbose);

#define pr_warn(...)	gnv_log(GNV_LOG_WARN, __VA_ARGS__)
#define pr_info(...)	gnv_log(GNV_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	gnv_log(GNV_LOG_DEBUG, __VA_ARGS__)

/*
 * The message, formatted into err (when err and errlen are set); returns
 * -EINVAL, what bad input is, for "return gnv_errf(...)".
 */
int gnv_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* GNV_LOG_H */
