// SPDX-License-Identifier: MIT
/*
 * A classic pcap file traced on every CPU. The file is cut into chunks of
 * 4 MiB (o->split_chunk_len, which the tests set to a few KiB); a chunk starts at the first record boundary that
 * capture_resync finds past its nominal start (pcap has no sync marks)
 * and holds the records that start before the next chunk's. Workers trace
 * chunks into their own counters, histograms and buffered lines; the main
 * thread takes them in file order, so the output is the sequential output
 * byte for byte.
 *
 * A chunk is trusted only when the records before it ended exactly where
 * it starts, and when none of its records was bad. Otherwise (a packet's
 * bytes that looked like a chain of record headers, or a record to
 * complain about) the rest of the file is read sequentially from the last
 * trusted offset, so that errors name the right packet and nothing counts
 * that the sequential reader would not have counted.
 */
#define _GNU_SOURCE	/* sched_getaffinity */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "trace_file.h"

#define CHUNK_LEN	(4u << 20)
#define MAX_WORKERS	8

struct chunk {
	int done;		/* traced, waiting for the main thread */
	int failed;		/* a bad record, or out of memory */
	size_t start, end;	/* its first record; where its records end */
	struct gnv_counts c;
	struct gnv_hist hist;
	char *lines;		/* the lines of its events, from open_memstream */
	size_t lines_len;
	struct gnv_bfd_sighting *bfd;	/* its BFD packets, in order */
	size_t n_bfd;
	__u64 last_ts_ns;	/* its last packet's time */
};

struct split {
	const struct gnv_trace_opts *o;
	struct capture *cap;
	size_t n_chunks;
	pthread_mutex_t lock;
	pthread_cond_t slot_free, chunk_done;
	size_t next;		/* the next chunk a worker takes */
	size_t merged;		/* chunks the main thread has taken */
	int stop;
	/* Chunk k is traced into slots[k % n_slots]. */
	struct chunk slots[2 * MAX_WORKERS];
	size_t n_slots;
};

/*
 * The CPUs this process may run on (taskset, a container's cpuset), not
 * the machine's: workers beyond them only take turns on the same CPU.
 */
static int usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

static size_t chunk_len(const struct gnv_trace_opts *o)
{
	return o->split_chunk_len ? o->split_chunk_len : CHUNK_LEN;
}

int gnv_split_fits(const struct gnv_trace_opts *o, const struct capture *cap)
{
	/*
	 * -c stops at a packet, -w writes frames through libpcap, echo
	 * replies meet their requests and TCP segments their flow's past in
	 * order: all sequential. --kernel never comes here.
	 */
	return capture_splittable(cap) && !o->count && !o->write_file &&
	       !(o->hist & (GNV_HIST_RTT | GNV_HIST_TCP)) &&
	       capture_size(cap) > 2 * chunk_len(o) &&
	       usable_cpus() > 1;
}

static size_t chunk_nominal(const struct split *s, size_t k)
{
	size_t off = k * chunk_len(s->o);

	return off < capture_size(s->cap) ? off : capture_size(s->cap);
}

static void trace_chunk(struct split *s, size_t k, struct chunk *ch)
{
	struct file_reader r = { .o = s->o };
	FILE *mem = NULL;
	char err[256];
	size_t end;

	memset(ch, 0, sizeof(*ch));
	ch->failed = 1;
	r.cap = capture_part(s->cap);
	if (!r.cap)
		return;
	ch->start = capture_resync(r.cap, chunk_nominal(s, k));
	end = k + 1 < s->n_chunks ?
	      capture_resync(r.cap, chunk_nominal(s, k + 1)) :
	      capture_size(s->cap);
	capture_set_range(r.cap, ch->start, end, 0);
	mem = open_memstream(&ch->lines, &ch->lines_len);
	if (!mem || gnv_trace_output_open(&r.out, s->o, mem, 0,
				    capture_dlt(s->cap)))
		goto out;
	ch->failed = gnv_read_records(&r, err, sizeof(err)) != 0;
	gnv_output_close(&r.out);
	ch->end = capture_offset(r.cap);
	ch->c = r.c;
	ch->hist = r.hist;
	gnv_hist_init(&r.hist);	/* moved to ch->hist */
	ch->bfd = r.sightings;
	ch->n_bfd = r.n_sightings;
	ch->last_ts_ns = r.pkt.ts_ns;
out:
	if (mem)
		fclose(mem);	/* ch->lines stays, for the main thread */
	gnv_hist_free(&r.hist);
	capture_close(r.cap);
}

static void *worker(void *arg)
{
	struct split *s = arg;
	struct chunk *ch;
	size_t k;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (!s->stop && s->next < s->n_chunks &&
		       s->next >= s->merged + s->n_slots)
			pthread_cond_wait(&s->slot_free, &s->lock);
		if (s->stop || s->next >= s->n_chunks) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		k = s->next++;
		pthread_mutex_unlock(&s->lock);

		ch = &s->slots[k % s->n_slots];
		trace_chunk(s, k, ch);
		pthread_mutex_lock(&s->lock);
		ch->done = 1;
		pthread_cond_broadcast(&s->chunk_done);
		pthread_mutex_unlock(&s->lock);
	}
}

static void merge(struct file_reader *r, const struct chunk *ch)
{
	for (int i = 0; i < GNV_STAT_MAX; i++)
		r->c.v[i] += ch->c.v[i];
	r->matched += ch->c.v[GNV_STAT_MATCHED];
	if (r->o->hist)
		gnv_hist_merge(&r->hist, &ch->hist);
	gnv_file_bfd_replay(r, ch->lines, ch->lines_len, ch->bfd, ch->n_bfd);
	/* The capture's end so far, as the sequential reader has it. */
	if (ch->last_ts_ns)
		r->pkt.ts_ns = ch->last_ts_ns;
}

static void free_chunk(struct chunk *ch)
{
	free(ch->bfd);
	free(ch->lines);
	gnv_hist_free(&ch->hist);
	memset(ch, 0, sizeof(*ch));
}

/*
 * Takes the chunks in order while they can be trusted: the offset where
 * the trusted records end, or 0 once all were taken; *packets: how many.
 */
static size_t take_chunks(struct split *s, struct file_reader *r,
			  __u64 *packets)
{
	size_t expected = capture_offset(s->cap);
	struct chunk *ch;

	for (size_t k = 0; k < s->n_chunks; k++) {
		ch = &s->slots[k % s->n_slots];
		pthread_mutex_lock(&s->lock);
		while (!ch->done)
			pthread_cond_wait(&s->chunk_done, &s->lock);
		pthread_mutex_unlock(&s->lock);
		if (ch->failed || ch->start != expected || gnv_exiting)
			return expected;
		merge(r, ch);
		expected = ch->end;
		*packets += ch->c.v[GNV_STAT_PACKETS];
		free_chunk(ch);
		pthread_mutex_lock(&s->lock);
		s->merged++;
		pthread_cond_broadcast(&s->slot_free);
		pthread_mutex_unlock(&s->lock);
	}
	return 0;
}

static void stop_workers(struct split *s, pthread_t *tid, int n)
{
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_cond_broadcast(&s->slot_free);
	pthread_mutex_unlock(&s->lock);
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	for (size_t i = 0; i < s->n_slots; i++)
		free_chunk(&s->slots[i]);
}

/* The rest of the file from off, its first packet numbered index + 1. */
static int read_rest(struct file_reader *r, size_t off, __u64 index,
		     char *err, size_t errlen)
{
	struct capture *whole = r->cap;
	int n;

	r->cap = capture_part(whole);
	if (!r->cap) {
		r->cap = whole;
		snprintf(err, errlen, "%s: out of memory", r->o->read_file);
		return -ENOMEM;
	}
	capture_set_range(r->cap, off, capture_size(whole), index);
	n = gnv_read_records(r, err, errlen);
	capture_close(r->cap);
	r->cap = whole;
	return n;
}

int gnv_trace_split(struct file_reader *r, char *err, size_t errlen)
{
	struct split s = { .o = r->o, .cap = r->cap };
	int cpus = usable_cpus();
	int n_workers = cpus < MAX_WORKERS ? cpus : MAX_WORKERS;
	pthread_t tid[MAX_WORKERS];
	__u64 packets = 0;
	size_t rest;
	int started = 0;

	s.n_chunks = (capture_size(r->cap) + chunk_len(r->o) - 1) /
		     chunk_len(r->o);
	s.n_slots = 2 * n_workers;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.slot_free, NULL);
	pthread_cond_init(&s.chunk_done, NULL);
	while (started < n_workers &&
	       !pthread_create(&tid[started], NULL, worker, &s))
		started++;
	/* Without a single worker, the whole file is the rest. */
	rest = started ? take_chunks(&s, r, &packets) :
	       capture_offset(r->cap);
	stop_workers(&s, tid, started);
	pthread_cond_destroy(&s.chunk_done);
	pthread_cond_destroy(&s.slot_free);
	pthread_mutex_destroy(&s.lock);
	if (!rest || gnv_exiting)
		return 0;
	r->resumed_at = rest;
	return read_rest(r, rest, packets, err, errlen);
}
