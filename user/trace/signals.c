// SPDX-License-Identifier: MIT
/* Stopping a run cleanly: every loop polls gnv_exiting. */
#include <signal.h>
#include <string.h>

#include "trace.h"

volatile sig_atomic_t gnv_exiting;

static void on_signal(int sig)
{
	gnv_exiting = 1;
}

void gnv_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed pipe (gnvtrace | head) ends the run cleanly too. */
	sigaction(SIGPIPE, &sa, NULL);
}
