// SPDX-License-Identifier: MIT
/*
 * The threaded reader of classic pcap files (user/trace/trace_file_split.c),
 * with chunks of 4 KiB (split_chunk_len) so that small files are cut
 * many times, against the sequential reader on the same files: the same
 * lines byte for byte (BFD sessions' lines among them), the same counters
 * and histograms, the same error naming the same packet.
 * The files: a generated mix, every shared capture, more given (gnv-pktgen
 * bfd's flaps: BFD sessions followed across chunks), and variants made to
 * trip it: cut short, a record longer than the snaplen in the middle,
 * packets carrying chains of pcap record headers (false boundaries), and
 * random byte flips.
 *
 *   test_split MIX.pcap [CAPTURES_DIR|FILE.pcap]...
 */
#define _GNU_SOURCE	/* sched_setaffinity */
#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filter/filter_compile.h"
#include "trace/trace_file.h"
#include "test_util.h"

volatile sig_atomic_t gnv_exiting;

struct result {
	int rc;
	char err[256];
	char *out;		/* lines, then the histograms */
	size_t out_len;
	struct gnv_counts c;
	size_t resumed_at;
};

static struct gnv_trace_opts opts;
static char tmp_path[] = "/tmp/test_split.XXXXXX";

static void read_file(const char *path, int split, struct result *res)
{
	struct gnv_bfd_sessions bfd = { .n = 0 };
	struct file_reader r = { .o = &opts, .bfd = &bfd };
	FILE *mem;

	memset(res, 0, sizeof(*res));
	mem = open_memstream(&res->out, &res->out_len);
	r.cap = capture_open(path, res->err, sizeof(res->err));
	if (!r.cap) {
		res->rc = -1;
		fclose(mem);
		return;
	}
	gnv_trace_output_open(&r.out, &opts, mem, 0, capture_dlt(r.cap));
	/* pcapng and the like go through libpcap, one reader only. */
	res->rc = split && capture_splittable(r.cap) ? gnv_trace_split(&r, res->err, sizeof(res->err)) :
			  gnv_read_records(&r, res->err, sizeof(res->err));
	if (!res->rc)
		gnv_file_bfd_finish(&r, r.pkt.ts_ns);
	gnv_output_flush(&r.out);
	gnv_hist_print(mem, &r.hist, opts.hist, opts.mode);
	res->c = r.c;
	res->resumed_at = r.resumed_at;
	gnv_hist_free(&r.hist);
	gnv_output_close(&r.out);
	capture_close(r.cap);
	fclose(mem);
	if (res->rc)
		res->out_len = 0;	/* the error is what counts then */
}

/* Both readers on path; returns where the split one went sequential. */
static size_t same_both_ways(const char *path, const char *what)
{
	struct result seq, par;

	test_case("%s", what);
	read_file(path, 0, &seq);
	read_file(path, 1, &par);
	ASSERT_EQ(par.rc, seq.rc, "return code");
	if (!ASSERT_TRUE(!strcmp(par.err, seq.err), "error message"))
		fprintf(stderr, "\n  actual   %s\n  expected %s\n", par.err,
			seq.err);
	if (ASSERT_EQ(par.out_len, seq.out_len, "output length") &&
	    !ASSERT_TRUE(!memcmp(par.out, seq.out, seq.out_len), "output"))
		test_memdiff(par.out, seq.out, seq.out_len);
	for (int i = 0; i < GNV_STAT_MAX; i++)
		ASSERT_EQ(par.c.v[i], seq.c.v[i], "counter");
	free(seq.out);
	free(par.out);
	return par.resumed_at;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	unsigned char *buf;

	if (!f || fstat(fileno(f), &st)) {
		perror(path);
		exit(1);
	}
	buf = malloc(st.st_size);
	if (!buf || fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = st.st_size;
	return buf;
}

static void spill(const unsigned char *buf, size_t len)
{
	FILE *f = fopen(tmp_path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(tmp_path);
		exit(1);
	}
}

static __u32 rd32(const unsigned char *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return v;
}

static void wr32(unsigned char *p, __u32 v)
{
	memcpy(p, &v, 4);
}

/* The offset of record n (0-based) of a native-order classic pcap. */
static size_t record_at(const unsigned char *buf, size_t len, size_t n)
{
	size_t off = 24;

	while (n-- && off + 16 <= len)
		off += 16 + rd32(buf + off + 8);
	return off;
}

static void mix_and_its_faults(const char *mix)
{
	size_t len, mid;
	unsigned char *buf = slurp(mix, &len);

	ASSERT_TRUE(len > 64 * 4096, "the mix spans many chunks");
	ASSERT_EQ(same_both_ways(mix, "generated mix"), 0,
		  "the mix is read on threads to its end");

	for (int k = 1; k < 8; k++) {
		char what[64];

		spill(buf, len * k / 8);
		snprintf(what, sizeof(what), "mix cut at %d/8", k);
		same_both_ways(tmp_path, what);
	}

	/* A record in the middle longer than the file's snaplen. */
	mid = record_at(buf, len, 3000);
	wr32(buf + mid + 8, 70000);
	wr32(buf + mid + 12, 70000);
	spill(buf, len);
	ASSERT_TRUE(same_both_ways(tmp_path, "record 3001 too long") != 0,
		    "a bad record makes the reader go sequential");
	free(buf);
}

/*
 * Packets whose UDP payload is itself a chain of record headers with the
 * file's times, ending where the next real record starts: wherever a
 * chunk's nominal start falls in a payload, the first plausible chain is
 * a false one.
 */
static void false_boundaries(void)
{
	enum { PACKETS = 2000, FAKES = 10, FAKE_DATA = 20 };
	size_t payload = FAKES * (16 + FAKE_DATA), frame = 42 + payload;
	size_t len = 24 + PACKETS * (16 + frame), off = 24;
	unsigned char *buf = calloc(1, len);
	const __u32 sec = 1700000000;

	wr32(buf, 0xa1b2c3d4);
	buf[4] = 2;
	buf[6] = 4;
	wr32(buf + 16, 65535);
	wr32(buf + 20, 1);
	for (int i = 0; i < PACKETS; i++) {
		unsigned char *rec = buf + off, *pl = rec + 16 + 42;

		wr32(rec, sec);
		wr32(rec + 4, i);
		wr32(rec + 8, frame);
		wr32(rec + 12, frame);
		/* Ethernet, IPv4, UDP to port 9 (not Geneve). */
		rec[16 + 12] = 0x08;
		rec[16 + 14] = 0x45;
		rec[16 + 16] = (20 + 8 + payload) >> 8;
		rec[16 + 17] = (20 + 8 + payload) & 0xff;
		rec[16 + 22] = 64;
		rec[16 + 23] = 17;
		rec[16 + 37] = 9;
		rec[16 + 38] = (8 + payload) >> 8;
		rec[16 + 39] = (8 + payload) & 0xff;
		for (int f = 0; f < FAKES; f++) {
			unsigned char *fake = pl + f * (16 + FAKE_DATA);

			wr32(fake, sec);
			wr32(fake + 8, FAKE_DATA);
			wr32(fake + 12, FAKE_DATA);
		}
		off += 16 + frame;
	}
	spill(buf, len);
	ASSERT_TRUE(same_both_ways(tmp_path, "false boundaries") != 0,
		    "a false boundary is caught, and read sequentially");
	free(buf);
}

/* Random byte flips: each copy read both ways must agree. */
static void flips(const char *mix)
{
	size_t len;
	unsigned char *orig = slurp(mix, &len), *buf = malloc(len);

	srandom(7);
	for (int round = 0; round < 40; round++) {
		char what[64];

		memcpy(buf, orig, len);
		for (int i = 0; i < 1 + round % 5; i++)
			buf[24 + random() % (len - 24)] ^= 1 << (random() % 8);
		spill(buf, len);
		snprintf(what, sizeof(what), "byte flips, round %d", round);
		same_both_ways(tmp_path, what);
	}
	free(orig);
	free(buf);
}

static void shared_captures(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	char path[4096];

	ASSERT_TRUE(n > 2, "the shared captures are there");
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t l = strlen(name);

		if ((l > 5 && !strcmp(name + l - 5, ".pcap")) ||
		    (l > 7 && !strcmp(name + l - 7, ".pcapng"))) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			same_both_ways(path, name);
		}
		free(names[i]);
	}
	free(names);
}

/*
 * Threads only where there are CPUs this process may use: pinned to one
 * (taskset -c 0, a container's one-CPU cpuset), the file is read
 * sequentially, without workers taking turns on that CPU.
 */
static void split_by_usable_cpus(const char *path)
{
	struct capture *cap;
	cpu_set_t all, one;
	char err[256];

	test_case("split only over the CPUs this process may use");
	cap = capture_open(path, err, sizeof(err));
	if (!ASSERT_TRUE(cap != NULL, "the mix opens") ||
	    !ASSERT_TRUE(!sched_getaffinity(0, sizeof(all), &all),
			 "sched_getaffinity")) {
		capture_close(cap);
		return;
	}
	if (CPU_COUNT(&all) > 1)
		ASSERT_TRUE(gnv_split_fits(&opts, cap), "split on two CPUs");
	else
		printf("# one CPU here: only the pinned case\n");
	CPU_ZERO(&one);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &all)) {
			CPU_SET(cpu, &one);
			break;
		}
	ASSERT_TRUE(!sched_setaffinity(0, sizeof(one), &one),
		    "pinned to one CPU");
	ASSERT_TRUE(!gnv_split_fits(&opts, cap), "pinned to one CPU: no split");
	ASSERT_TRUE(!sched_setaffinity(0, sizeof(all), &all), "unpinned");
	capture_close(cap);
}

int main(int argc, char **argv)
{
	char err[256];
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: test_split MIX.pcap "
			"[CAPTURES_DIR|FILE.pcap]...\n");
		return 2;
	}
	fd = mkstemp(tmp_path);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	/* Every event as JSON with its options, and every histogram. */
	if (gnv_filter_compile(0, NULL, GENEVE_UDP_PORT, &opts.filter, err,
			       sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	opts.read_file = "test";
	/* Chunks of 4 KiB, not 4 MiB: small files are cut many times. */
	opts.split_chunk_len = 4096;
	opts.mode = GNV_OUT_JSON;
	opts.verbose = 1;
	opts.hist = GNV_HIST_SIZE;
	split_by_usable_cpus(argv[1]);
	mix_and_its_faults(argv[1]);
	false_boundaries();
	flips(argv[1]);
	for (int i = 2; i < argc; i++) {
		struct stat st;

		if (!stat(argv[i], &st) && S_ISDIR(st.st_mode))
			shared_captures(argv[i]);
		else
			same_both_ways(argv[i], argv[i]);
	}
	if (argc == 2)
		printf("# no captures given: only the generated mix\n");
	unlink(tmp_path);
	return test_summary();
}
