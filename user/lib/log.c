// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static int log_verbose;

void gnv_log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

void gnv_log(enum gnv_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == GNV_LOG_DEBUG && log_verbose < 2)
		return;
	va_start(ap, fmt);
	fputs("gnvtrace: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

int gnv_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
