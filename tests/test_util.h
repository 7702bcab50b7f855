/* SPDX-License-Identifier: MIT */
/*
 * Assertion helpers in the style of the kernel's BPF selftests. Every
 * ASSERT_* counts a pass or a failure, prints actual and expected on a
 * failure, and evaluates to 1 when it held. test_summary() prints the
 * closing "N passed, N failed" line that CI reads and returns the exit
 * code. test_case() names what follows, for the failure messages.
 */
#ifndef GNV_TEST_UTIL_H
#define GNV_TEST_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;
static char test_name[128];

static inline void test_case(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_name, sizeof(test_name), fmt, ap);
	va_end(ap);
}

static inline int test_check(int ok, const char *file, int line,
			     const char *name)
{
	if (ok) {
		test_passed++;
		return 1;
	}
	test_failed++;
	fprintf(stderr, "FAIL %s:%d [%s] %s: ", file, line, test_name, name);
	return 0;
}

static inline int test_summary(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

/* Prints the first differing byte and a few around it. */
static inline void test_memdiff(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i = 0, from, to;

	while (i < n && x[i] == y[i])
		i++;
	from = i > 4 ? i - 4 : 0;
	to = i + 8 < n ? i + 8 : n;
	fprintf(stderr, "first difference at byte %zu of %zu\n  actual  ", i, n);
	for (size_t k = from; k < to; k++)
		fprintf(stderr, "%s%02x", k == i ? "[" : " ", x[k]);
	fprintf(stderr, "\n  expected");
	for (size_t k = from; k < to; k++)
		fprintf(stderr, "%s%02x", k == i ? "[" : " ", y[k]);
	fprintf(stderr, "\n");
}

#define TEST_CMP(actual, expected, op, name) ({				\
	long long act_ = (long long)(actual);				\
	long long exp_ = (long long)(expected);				\
	int ok_ = test_check(act_ op exp_, __FILE__, __LINE__, name);	\
	if (!ok_)							\
		fprintf(stderr, "actual %lld (0x%llx), expected "	\
			#op " %lld (0x%llx)\n",			\
			act_, act_, exp_, exp_);			\
	ok_;								\
})

#define ASSERT_EQ(actual, expected, name) TEST_CMP(actual, expected, ==, name)
#define ASSERT_NEQ(actual, expected, name) TEST_CMP(actual, expected, !=, name)
#define ASSERT_GT(actual, expected, name) TEST_CMP(actual, expected, >, name)
#define ASSERT_GE(actual, expected, name) TEST_CMP(actual, expected, >=, name)
#define ASSERT_LE(actual, expected, name) TEST_CMP(actual, expected, <=, name)
#define ASSERT_OK(res, name) ASSERT_EQ(res, 0, name)
#define ASSERT_TRUE(cond, name) ASSERT_NEQ(!!(cond), 0, name)
#define ASSERT_FALSE(cond, name) ASSERT_EQ(!!(cond), 0, name)

#define ASSERT_OK_PTR(ptr, name) ({					\
	const void *ptr_ = (ptr);					\
	int ok_ = test_check(ptr_ != NULL, __FILE__, __LINE__, name);	\
	if (!ok_)							\
		fprintf(stderr, "unexpected NULL pointer\n");		\
	ok_;								\
})

#define ASSERT_MEMEQ(actual, expected, len, name) ({			\
	const void *act_ = (actual), *exp_ = (expected);		\
	size_t len_ = (len);						\
	int ok_ = test_check(!memcmp(act_, exp_, len_), __FILE__,	\
			     __LINE__, name);				\
	if (!ok_)							\
		test_memdiff(act_, exp_, len_);				\
	ok_;								\
})

#define ASSERT_STRSTR(str, sub, name) ({				\
	const char *str_ = (str), *sub_ = (sub);			\
	int ok_ = test_check(strstr(str_, sub_) != NULL, __FILE__,	\
			     __LINE__, name);				\
	if (!ok_)							\
		fprintf(stderr, "'%s' does not contain '%s'\n",		\
			str_, sub_);					\
	ok_;								\
})

#endif /* GNV_TEST_UTIL_H */
