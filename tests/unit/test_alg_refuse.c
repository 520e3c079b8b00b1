/*
 * Checks that alg-boringssl fails to start when another libcrypto
 * overrides BoringSSL's symbols in the process.
 *
 * This program exports its own OpenSSL_version(), linked with
 * --export-dynamic, and returns what OpenSSL 3 returns. Symbols of the main
 * program come first in the global lookup scope, so the plugin, although
 * linked against BoringSSL and loaded with RTLD_LOCAL, calls this function:
 * the same binding that happens when OpenSSL's libcrypto is loaded globally.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <gkdc/host.h>
#include <gkdc/plugin.h>

#ifndef TOP_BUILDDIR
#error "TOP_BUILDDIR must name the build tree"
#endif

#define PLUGIN_PATH TOP_BUILDDIR "/plugins/alg-boringssl/.libs/alg-boringssl.so"

/* Same signature as BoringSSL's and OpenSSL's. */
const char *OpenSSL_version(int which);
const char *OpenSSL_version(int which)
{
  return "OpenSSL 3.0.15 3 Sep 2024";
}

static char last_log[512];
static int last_level;
static int log_lines;

static void host_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap)
{
  vsnprintf(last_log, sizeof(last_log), fmt, ap);
  last_level = level;
  log_lines++;
}

static void host_log(gkdc_plugin *self, int level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  host_vlog(self, level, fmt, ap);
  va_end(ap);
}

static const struct gkdc_host_api host_api = {
    .size = sizeof(struct gkdc_host_api),
    .abi_minor = GKDC_ABI_MINOR,
    .log = host_log,
    .vlog = host_vlog,
};

static void test_refuses_other_libcrypto(void)
{
  void *dl = dlopen(PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  gkdc_plugin_entry_fn entry;
  const struct gkdc_plugin_desc *desc;
  void *state = (void *)&state;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dl);
  entry = (gkdc_plugin_entry_fn)dlsym(dl, GKDC_PLUGIN_ENTRY_NAME);
  CU_ASSERT_PTR_NOT_NULL_FATAL(entry);
  desc = entry();
  CU_ASSERT_PTR_NOT_NULL_FATAL(desc);

  CU_ASSERT_EQUAL(desc->init(NULL, &host_api, &state), 0);
  CU_ASSERT_PTR_NULL(state);
  CU_ASSERT_EQUAL(log_lines, 1);
  CU_ASSERT_EQUAL(last_level, GKDC_LOG_ERR);
  CU_ASSERT_PTR_NOT_NULL(strstr(last_log, "not BoringSSL"));
  CU_ASSERT_PTR_NOT_NULL(strstr(last_log, "OpenSSL 3.0.15"));

  if (getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(dl);
}

int main(void)
{
  CU_pSuite suite;
  unsigned int failures;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("alg-boringssl refusal", NULL, NULL);
  CU_add_test(suite, "refuses other libcrypto", test_refuses_other_libcrypto);

  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  CU_cleanup_registry();
  return failures == 0 ? 0 : 1;
}
