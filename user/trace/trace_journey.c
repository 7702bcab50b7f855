// SPDX-License-Identifier: MIT
/*
 * Journeys from the JSON events of live gnvtraces (-o json), one input
 * per node or several nodes in one: files, or pipes from running tracers
 * (e.g. <(ssh ch1 gnvtrace -o json ...)). Files are merged by time, so
 * that a journey's sightings meet before it is judged; pipes are taken as
 * their lines come, and time goes on while they are silent.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journey/journey.h"
#include "journey/journey_json.h"
#include "journey/journey_print.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "report.h"
#include "trace.h"

#define LINE_MAX_LEN	(64 * 1024)

struct input {
	const char *path;
	char node[GNV_JOURNEY_NAME];	/* for events that name none */
	int fd;
	bool eof;
	char *buf;
	size_t len, line_no;
	struct gnv_json_line ev;	/* merging files: the next line */
	bool has_ev;
};

struct run {
	struct input in[GNV_MAX_JOURNEY_INPUTS];
	int n;
	struct gnv_joiner *j;
	struct gnv_journey_out out;
	struct gnv_report report;	/* --metrics, --metrics-file */
};

/* An input's node when its events name none: the file's name, bare. */
static void default_node(struct input *in)
{
	const char *base = strrchr(in->path, '/');
	char *dot;

	snprintf(in->node, sizeof(in->node), "%s",
		 !strcmp(in->path, "-") ? "stdin" : base ? base + 1 : in->path);
	dot = strrchr(in->node, '.');
	if (dot && dot != in->node)
		*dot = '\0';
}

static int open_input(struct input *in, const char *path)
{
	in->path = path;
	in->fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (in->fd < 0) {
		pr_warn("cannot read %s: %s\n", path, strerror(errno));
		return -errno;
	}
	in->buf = malloc(LINE_MAX_LEN);
	if (!in->buf) {
		pr_warn("out of memory\n");
		return -ENOMEM;
	}
	default_node(in);
	return 0;
}

/* The joiner's point for pt, added when new; -1 when there are too many. */
static int point_of(struct run *r, const struct input *in,
		    const struct gnv_json_point *pt)
{
	int node = gnv_joiner_node(r->j, pt->node[0] ? pt->node : in->node);
	int p;

	if (node < 0)
		return -1;
	p = gnv_joiner_point(r->j, node, pt->ifname, pt->dir, pt->kind,
			     pt->lport);
	if (p >= 0 && pt->port_key)
		gnv_joiner_point_keys(r->j, p, pt->dp_key, pt->port_key);
	return p;
}

static void feed(struct run *r, const struct input *in,
		 const struct gnv_json_line *l)
{
	for (int i = 0; i < l->n_points; i++)
		point_of(r, in, &l->points[i]);
	for (int i = 0; i < l->n_seen; i++) {
		const struct gnv_json_sighting *s = &l->seen[i];
		const struct gnv_pkt *k = &s->pkt;
		int p = point_of(r, in, &s->at);

		if (p < 0)
			continue;
		/* An event of a VM's port carries the keys of its binding. */
		if (s->at.kind == GNV_POINT_VM_PORT && (k->flags & GNV_F_OVN) &&
		    !r->j->points[p].port_key)
			gnv_joiner_point_keys(r->j, p, k->vni,
					      s->at.dir == GNV_DIR_OUT ?
					      k->ovn_outport : k->ovn_inport);
		gnv_joiner_add(r->j, p, s->ts_ns, k, s->len);
	}
	gnv_joiner_expire(r->j, 0, false);
}

/*
 * The next complete line of in, at the buffer's start ('\0' ended), its
 * length in *len: 1; 0 at the end of the input, -EAGAIN when a pipe has
 * no whole line yet, or a negative errno after one line on stderr.
 */
static int next_line(struct input *in, size_t *len)
{
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(in->buf, '\n', in->len);
		if (nl || (in->eof && in->len)) {
			*len = nl ? (size_t)(nl - in->buf) : in->len;
			in->buf[*len] = '\0';
			in->line_no++;
			return 1;
		}
		if (in->eof)
			return 0;
		if (in->len == LINE_MAX_LEN - 1) {
			pr_warn("%s: line %zu is longer than %d bytes\n",
				in->path, in->line_no + 1, LINE_MAX_LEN);
			return -E2BIG;
		}
		n = read(in->fd, in->buf + in->len, LINE_MAX_LEN - 1 - in->len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return -EAGAIN;
		if (n < 0) {
			pr_warn("cannot read %s: %s\n", in->path,
				strerror(errno));
			return -errno;
		}
		if (n == 0)
			in->eof = true;
		in->len += n;
		in->buf[in->len] = '\0';
	}
}

/* Takes the line next_line() returned out of the buffer. */
static void drop_line(struct input *in, size_t len)
{
	size_t used = len < in->len ? len + 1 : in->len;

	memmove(in->buf, in->buf + used, in->len - used);
	in->len -= used;
}

/*
 * The next event of in into in->ev (has_ev), or none at its end. 0, or
 * -EAGAIN (a pipe with no line yet), or -1 after one line on stderr.
 */
static int next_event(struct input *in)
{
	char err[256];
	size_t len = 0;
	int r;

	for (;;) {
		r = next_line(in, &len);
		if (r <= 0)
			return r == -EAGAIN ? -EAGAIN : r ? -1 : 0;
		r = gnv_json_line_parse(in->buf, len, &in->ev, err,
					sizeof(err));
		drop_line(in, len);
		if (r < 0) {
			pr_warn("%s: line %zu: %s\n", in->path, in->line_no,
				err);
			return -1;
		}
		if (r == 0) {
			in->has_ev = true;
			return 0;
		}
	}
}

/* Files: every input's next event, the earliest fed first. */
static int merge_files(struct run *r)
{
	for (int i = 0; i < r->n; i++)
		if (next_event(&r->in[i]))
			return -1;
	while (!gnv_exiting) {
		struct input *first = NULL;

		for (int i = 0; i < r->n; i++)
			if (r->in[i].has_ev &&
			    (!first || r->in[i].ev.ts_ns < first->ev.ts_ns))
				first = &r->in[i];
		if (!first)
			break;
		first->has_ev = false;
		feed(r, first, &first->ev);
		if (next_event(first))
			return -1;
	}
	return 0;
}

/* Pipes: lines as they come; silence moves time on by the clock. */
static int follow_pipes(struct run *r)
{
	__u64 quiet_since = gnv_mono_ns();
	__s64 now_then = 0;
	int open_inputs = r->n;

	for (int i = 0; i < r->n; i++)
		fcntl(r->in[i].fd, F_SETFL,
		      fcntl(r->in[i].fd, F_GETFL) | O_NONBLOCK);
	while (open_inputs && !gnv_exiting) {
		struct pollfd pfd[GNV_MAX_JOURNEY_INPUTS];
		int n;

		for (int i = 0; i < r->n; i++) {
			pfd[i].fd = r->in[i].eof ? -1 : r->in[i].fd;
			pfd[i].events = POLLIN;
		}
		n = poll(pfd, r->n, 100);
		gnv_report_tick(&r->report);
		if (n <= 0) {
			/* Nothing came: the journeys age by the clock. */
			if (!now_then)
				now_then = r->j->now_ns;
			gnv_joiner_expire(r->j, now_then + (__s64)(
				gnv_mono_ns() - quiet_since), false);
			ob_flush(&r->out.ob);
			continue;
		}
		quiet_since = gnv_mono_ns();
		now_then = 0;
		for (int i = 0; i < r->n; i++) {
			struct input *in = &r->in[i];
			int e;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			while (!(e = next_event(in)) && in->has_ev) {
				in->has_ev = false;
				feed(r, in, &in->ev);
			}
			if (e == -1)
				return -1;
			if (!e && in->eof)
				open_inputs--;
		}
		ob_flush(&r->out.ob);
	}
	return 0;
}

int gnv_trace_journey(const struct gnv_trace_opts *o)
{
	/* A line's worth of sightings per input: on the heap. */
	struct run *r = calloc(1, sizeof(*r));
	bool files = true;
	int err = 0;

	if (r)
		r->j = malloc(sizeof(*r->j));
	if (!r || !r->j) {
		free(r);
		pr_warn("out of memory\n");
		return -ENOMEM;
	}
	r->n = o->n_journey_inputs;
	for (int i = 0; i < r->n; i++)
		r->in[i].fd = -1;
	gnv_joiner_init(r->j, o->journey_timeout_ns, gnv_journey_print, &r->out);
	gnv_journey_out_init(&r->out, stdout, o->mode, 0);
	err = gnv_report_start(&r->report, o, NULL, r->j);
	for (int i = 0; i < r->n && !err; i++) {
		struct stat st;

		err = open_input(&r->in[i], o->journey_inputs[i]);
		if (!err && (fstat(r->in[i].fd, &st) || !S_ISREG(st.st_mode)))
			files = false;
	}
	if (!err)
		err = files ? merge_files(r) : follow_pipes(r);
	if (!err) {
		gnv_joiner_expire(r->j, 0, true);
		gnv_journey_summary(&r->out, r->j);
		err = gnv_report_final(&r->report);
	}
	gnv_report_close(&r->report);
	ob_free(&r->out.ob);
	for (int i = 0; i < r->n; i++) {
		if (r->in[i].fd > 0)	/* not standard input's */
			close(r->in[i].fd);
		free(r->in[i].buf);
	}
	gnv_joiner_free(r->j);
	free(r->j);
	free(r);
	return err ? -EINVAL : 0;
}
