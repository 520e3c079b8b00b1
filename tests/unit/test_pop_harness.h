/*
 * Test harness shared by test_credfmt and test_pop: loads plugins from the
 * build tree with dlopen, as the host does (RTLD_NOW | RTLD_LOCAL), and
 * hands them a minimal host API whose crypto adapter serves every
 * algorithm from the alg-boringssl plugin.
 *
 * Header-only: each test program includes it once.
 */
#ifndef GKDC_TEST_POP_HARNESS_H
#define GKDC_TEST_POP_HARNESS_H

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include <gkdc/crypto.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>

/* A plugin loaded from the build tree and initialized. */
struct harness_plugin {
  void *dl;
  const struct gkdc_plugin_desc *desc;
  void *state;
};

static struct gkdc_crypto harness_crypto;
static struct gkdc_provider harness_alg_provider;
static struct gkdc_host_api harness_host;

static void harness_vlog(gkdc_plugin *self, int level, const char *fmt,
                         va_list ap)
{
  if (getenv("GKDC_TEST_VERBOSE") == NULL)
    return;
  fprintf(stderr, "[plugin log %d] ", level);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

static void harness_log(gkdc_plugin *self, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void harness_log(gkdc_plugin *self, int level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  harness_vlog(self, level, fmt, ap);
  va_end(ap);
}

static int harness_log_enabled(int level)
{
  return getenv("GKDC_TEST_VERBOSE") != NULL;
}

static const gkdc_cfg *harness_config_get0(gkdc_plugin *self)
{
  return NULL;
}

static const gkdc_cfg *harness_config_root_get0(void)
{
  return NULL;
}

static const struct gkdc_crypto *harness_crypto_get0(void)
{
  return &harness_crypto;
}

static int64_t harness_now(void)
{
  return (int64_t)time(NULL);
}

/*
 * Loads the plugin at TOP_BUILDDIR/`rel` (a .so under .libs/), checks its
 * descriptor and calls its init with the harness host API. Returns 1, or 0
 * after printing why.
 */
static int harness_load(const char *rel, uint32_t kind, struct harness_plugin *p)
{
  char path[1024];
  gkdc_plugin_entry_fn entry;

  memset(p, 0, sizeof(*p));
  snprintf(path, sizeof(path), "%s/%s", TOP_BUILDDIR, rel);
  p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (p->dl == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    return 0;
  }
  *(void **)&entry = dlsym(p->dl, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL || (p->desc = entry()) == NULL) {
    fprintf(stderr, "%s: no plugin entry point\n", path);
    return 0;
  }
  if (p->desc->abi_major != GKDC_ABI_MAJOR ||
      p->desc->build_signature != GKDC_BUILD_SIGNATURE ||
      p->desc->kind != kind) {
    fprintf(stderr, "%s: ABI or kind mismatch\n", path);
    return 0;
  }
  if (!p->desc->init((gkdc_plugin *)p, &harness_host, &p->state)) {
    fprintf(stderr, "%s: init failed\n", path);
    return 0;
  }
  return 1;
}

/*
 * Calls the plugin's fini and unloads it, unless GKDC_NO_DLCLOSE is set (as
 * in the sanitizer run, so that leak traces keep their symbols). Takes a
 * plugin that failed to load.
 */
static void harness_unload(struct harness_plugin *p)
{
  if (p->desc != NULL && p->state != NULL)
    p->desc->fini(p->state);
  if (p->dl != NULL && getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(p->dl);
  memset(p, 0, sizeof(*p));
}

static struct harness_plugin harness_alg;

/*
 * Sets up the host API and loads alg-boringssl as the crypto provider.
 * Returns 1, or 0 when the alg plugin cannot be loaded.
 */
static int harness_setup(void)
{
  memset(&harness_host, 0, sizeof(harness_host));
  harness_host.size = sizeof(harness_host);
  harness_host.abi_minor = GKDC_ABI_MINOR;
  harness_host.log = harness_log;
  harness_host.vlog = harness_vlog;
  harness_host.log_enabled = harness_log_enabled;
  harness_host.config_get0 = harness_config_get0;
  harness_host.config_root_get0 = harness_config_root_get0;
  harness_host.crypto_get0 = harness_crypto_get0;
  harness_host.now = harness_now;

  if (!harness_load("plugins/alg-boringssl/.libs/alg-boringssl.so",
                    GKDC_PLUGIN_ALG, &harness_alg))
    return 0;
  harness_alg_provider.ops = harness_alg.desc->ops;
  harness_alg_provider.state = harness_alg.state;
  harness_alg_provider.plugin_name = harness_alg.desc->name;
  gkdc_crypto_init_single(&harness_crypto, &harness_alg_provider);
  return 1;
}

static void harness_teardown(void)
{
  harness_unload(&harness_alg);
}

/*
 * Returns `full` scaled by GKDC_TEST_SCALE (a number in (0, 1], default 1),
 * and at least 1.
 */
static size_t gkdc_test_scaled_rounds(size_t full)
{
  const char *text = getenv("GKDC_TEST_SCALE");
  double scale = 1.0;
  size_t n;

  if (text != NULL && *text != '\0') {
    char *end = NULL;
    double v = strtod(text, &end);

    if (end != text && *end == '\0' && v > 0.0 && v <= 1.0)
      scale = v;
  }
  n = (size_t)((double)full * scale);
  return n < 1 ? 1 : n;
}

/* Decodes the hex string `hex` into `out` (capacity `cap`); returns the
 * length, or aborts the program on a malformed test vector. */
static size_t harness_hex(const char *hex, uint8_t *out, size_t cap)
{
  size_t n = 0;

  while (hex[0] != '\0') {
    unsigned v;

    if (hex[0] == ' ') {
      hex++;
      continue;
    }
    if (n >= cap || hex[1] == '\0' || sscanf(hex, "%2x", &v) != 1) {
      fprintf(stderr, "bad hex test vector near \"%.8s\"\n", hex);
      abort();
    }
    out[n++] = (uint8_t)v;
    hex += 2;
  }
  return n;
}

/*
 * Runs every registered suite, prints the summary and returns the exit
 * status: 0 only when no assertion, test or suite failed
 * (CU_basic_run_tests() alone reports success after failed assertions).
 */
static int harness_run(void)
{
  unsigned failures;
  CU_ErrorCode error;

  CU_basic_set_mode(CU_BRM_VERBOSE);
  error = CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
             CU_get_number_of_suites_failed();
  CU_cleanup_registry();
  return (error == CUE_SUCCESS && failures == 0) ? 0 : 1;
}

#endif /* GKDC_TEST_POP_HARNESS_H */
