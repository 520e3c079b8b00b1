/*
 * Shared helpers of the CUnit test programs: the size factor of large tests,
 * the DTLS skip and a runner whose exit status reflects failed assertions.
 * Header-only, so a test program needs no extra source in its _SOURCES.
 */
#ifndef GKDC_TEST_H
#define GKDC_TEST_H

/* config.h defines GKDC_HAVE_DTLS when DTLS is built. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

/* Exit status that the automake test harness counts as SKIP. */
#define GKDC_TEST_EXIT_SKIP 77

/*
 * Returns the size factor of large tests from GKDC_TEST_SCALE: a decimal
 * number in (0, 1], where 1 is the full size. An unset variable means 1; a
 * value that is not a number in that range prints a warning and means 1.
 */
static inline double gkdc_test_scale(void) {
  const char *text = getenv("GKDC_TEST_SCALE");
  char *end = NULL;
  double scale;

  if (text == NULL || *text == '\0')
    return 1.0;

  scale = strtod(text, &end);
  if (end == text || *end != '\0' || !(scale > 0.0) || scale > 1.0) {
    fprintf(stderr, "warning: GKDC_TEST_SCALE=%s is not a number in (0, 1]; using 1\n", text);
    return 1.0;
  }
  return scale;
}

/* Returns `full` multiplied by gkdc_test_scale(), and at least `min`. */
static inline size_t gkdc_test_scaled(size_t full, size_t min) {
  size_t n = (size_t)((double)full * gkdc_test_scale());

  return n < min ? min : n;
}

/*
 * Exits with the SKIP status after printing "skipped: built without DTLS"
 * when gkdc was configured --without-dtls. Call it first in a program whose
 * every test needs DTLS.
 */
static inline void gkdc_test_require_dtls(void) {
#ifndef GKDC_HAVE_DTLS
  printf("skipped: built without DTLS\n");
  exit(GKDC_TEST_EXIT_SKIP);
#endif
}

/*
 * Runs every registered suite in verbose mode, prints the summary and
 * releases the registry. Returns the process exit status: 0 when every
 * assertion passed, 1 when one failed or CUnit itself failed.
 * CU_basic_run_tests() alone returns success even after failed assertions.
 */
static inline int gkdc_test_run(void) {
  unsigned failures;
  CU_ErrorCode error;

  CU_basic_set_mode(CU_BRM_VERBOSE);
  error = CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  if (CU_get_number_of_suites_failed() > 0)
    failures++;
  CU_cleanup_registry();

  return (error == CUE_SUCCESS && failures == 0) ? 0 : 1;
}

#endif /* GKDC_TEST_H */
