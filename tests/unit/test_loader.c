/*
 * Tests of the plugin loader and the registry, with the test plugins of
 * tests/plugins/ loaded from the build tree.
 */
#include "gkdc-test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/crypto.h>

#include "internal.h"
#include "log_capture.h"

#define PLUGIN_DIR TOP_BUILDDIR "/tests/plugins/.libs"

static char path_buf[4][1024];
static unsigned path_next;

/* Returns the file of test plugin `name` (rotating static buffers). */
static const char *plugin_file(const char *name) {
  char *buf = path_buf[path_next++ % 4];

  snprintf(buf, sizeof(path_buf[0]), "%s/%s.so", PLUGIN_DIR, name);
  return buf;
}

static void reset(void) {
  gkdc_plugins_unload_all();
  gkdc_config_free();
  capture_start();
}

/*
 * Loads test plugin `name`, expects a rejection, and checks that exactly one
 * error line names the file and contains `reason`.
 */
static void expect_rejected(const char *name, const char *reason) {
  const char *file = plugin_file(name);
  const struct captured_line *line;
  char expected[1200];
  gkdc_plugin *p = NULL;

  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load(file, &p), 0);
  CU_ASSERT_PTR_NULL(p);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);

  snprintf(expected, sizeof(expected), "plugin %s rejected: %s", file, reason);
  line = capture_find(GKDC_LOG_ERR, expected);
  CU_ASSERT_PTR_NOT_NULL(line);
  if (line == NULL)
    fprintf(stderr, "expected a line containing: %s\n", expected);
  else
    CU_ASSERT_STRING_EQUAL(line->who, "host");
  CU_ASSERT_PTR_NULL(gkdc_plugins_first());
}

static void test_reject_bad_abi_major(void) {
  expect_rejected("bad-abi-major", "ABI major 2, host supports 1");
}

static void test_reject_no_entry_point(void) {
  expect_rejected("no-entry-point", "no entry point gkdc_plugin_entry");
}

static void test_reject_bad_signature(void) {
  expect_rejected("bad-signature", "build signature ");
}

static void test_reject_unknown_kind(void) {
  expect_rejected("unknown-kind", "unknown kind 99");
}

static void test_reject_missing_file(void) {
  expect_rejected("does-not-exist", "cannot load: ");
}

static void test_reject_invalid_name(void) {
  expect_rejected("bad-name", "invalid name; a name has 1 to 64 characters");
}

static void test_reject_null_ops(void) {
  expect_rejected("null-ops", "no operation table");
}

static void test_reject_null_descriptor(void) {
  expect_rejected("null-desc", "entry point gkdc_plugin_entry returned no descriptor");
}

static void test_reject_empty_alg_list(void) {
  expect_rejected("no-algs", "alg plugin lists no algorithms");
}

/* Loads `first`, then expects `second` to be rejected with `reason`. */
static void expect_second_rejected(const char *first, const char *second,
                                   const char *reason) {
  char expected[1200];

  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file(first), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file(second), NULL), 0);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
  snprintf(expected, sizeof(expected), "plugin %s rejected: %s", plugin_file(second),
           reason);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, expected));
  if (capture_find(GKDC_LOG_ERR, expected) == NULL)
    fprintf(stderr, "expected a line containing: %s\n", expected);
}

static void test_reject_duplicate_label(void) {
  expect_second_rejected("credfmt-a", "credfmt-b",
                         "credential format 14 is already served by test-credfmt-a");
}

static void test_reject_duplicate_method(void) {
  expect_second_rejected("good-pop", "pop-twin",
                         "PoP method name \"test-pop-method\" is already served by test-pop");
}

static void test_keyed_lookups(void) {
  struct gkdc_provider prov;

  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("credfmt-a"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("profile"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugins_init_all(), 1);

  CU_ASSERT_EQUAL(gkdc_registry_find_credfmt(14, &prov), 1);
  CU_ASSERT_STRING_EQUAL(prov.plugin_name, "test-credfmt-a");
  CU_ASSERT_EQUAL(gkdc_registry_find_credfmt(33, &prov), 0);
  CU_ASSERT_EQUAL(gkdc_registry_find_profile("test_profile", &prov), 1);
  CU_ASSERT_STRING_EQUAL(prov.plugin_name, "test-profile");
  CU_ASSERT_EQUAL(gkdc_registry_find_profile("coap_dtls", &prov), 0);
  CU_ASSERT_EQUAL(gkdc_registry_find_profile(NULL, &prov), 0);
}

static void test_first_alg_serves_twin(void) {
  struct gkdc_provider prov;

  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("good-alg"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("alg-twin"), NULL), 1);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 0);
  CU_ASSERT_EQUAL(gkdc_plugins_init_all(), 1);
  CU_ASSERT_EQUAL(gkdc_registry_find_alg(-65101, &prov), 1);
  CU_ASSERT_STRING_EQUAL(prov.plugin_name, "test-alg");
}

static void test_reject_duplicate_name(void) {
  char expected[1200];
  gkdc_plugin *a = NULL, *b = NULL;

  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("dup-a"), &a), 1);
  CU_ASSERT_PTR_NOT_NULL(a);
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("dup-b"), &b), 0);
  CU_ASSERT_PTR_NULL(b);

  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
  snprintf(expected, sizeof(expected),
           "plugin %s rejected: name \"test-dup\" is already used by %s",
           plugin_file("dup-b"), plugin_file("dup-a"));
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, expected));

  /* The first one stays loaded, alone. */
  CU_ASSERT_PTR_EQUAL(gkdc_plugins_first(), a);
  CU_ASSERT_PTR_NULL(a->next);
}

static void test_reject_second_store(void) {
  char expected[1200];

  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("store-a"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("store-b"), NULL), 0);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
  snprintf(expected, sizeof(expected),
           "plugin %s rejected: a store plugin is already loaded: test-store-a from %s",
           plugin_file("store-b"), plugin_file("store-a"));
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, expected));
}

static void test_older_minor_loads(void) {
  const struct gkdc_alg_ops *ops;
  struct gkdc_provider prov;
  gkdc_plugin *p = NULL;

  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("older-minor"), &p), 1);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 0);
  CU_ASSERT_EQUAL(gkdc_plugins_init_all(), 1);

  /* Registered under its one algorithm id (-65100 - variant 3). */
  CU_ASSERT_EQUAL(gkdc_registry_find_alg(-65103, &prov), 1);
  ops = prov.ops;
  CU_ASSERT_STRING_EQUAL(prov.plugin_name, "test-older");
  CU_ASSERT_TRUE(GKDC_HAS_OP(ops, random));
  CU_ASSERT_FALSE(GKDC_HAS_OP(ops, hkdf));
  CU_ASSERT_FALSE(GKDC_HAS_OP(ops, ecdsa_der_to_raw));
}

static void test_newer_minor_loads_with_notice(void) {
  gkdc_plugin *p = NULL;

  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("newer-minor"), &p), 1);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 0);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_NOTICE), 1);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_NOTICE, "built against ABI 1.1"));
}

static void test_init_fini_order(void) {
  int init_alg, init_pop, fini_alg, fini_pop;
  struct gkdc_provider prov;

  reset();
  /* Loaded pop first: init still runs alg plugins first. */
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("good-pop"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("good-alg"), NULL), 1);
  CU_ASSERT_STRING_EQUAL(gkdc_plugins_first()->desc->name, "test-pop");

  /* Nothing is found before init. */
  CU_ASSERT_EQUAL(gkdc_registry_find_pop("test-pop-method", &prov), 0);

  CU_ASSERT_EQUAL(gkdc_plugins_init_all(), 1);
  CU_ASSERT_EQUAL(gkdc_registry_find_pop("test-pop-method", &prov), 1);
  CU_ASSERT_STRING_EQUAL(prov.plugin_name, "test-pop");
  CU_ASSERT_PTR_NOT_NULL(prov.state);
  CU_ASSERT_EQUAL(gkdc_registry_find_alg(-65101, &prov), 1);
  CU_ASSERT_EQUAL(gkdc_registry_find_pop("no-such-method", &prov), 0);

  gkdc_plugins_unload_all();
  CU_ASSERT_EQUAL(gkdc_registry_find_alg(-65101, &prov), 0);

  init_alg = capture_index("init test-alg");
  init_pop = capture_index("init test-pop");
  fini_alg = capture_index("fini test-alg");
  fini_pop = capture_index("fini test-pop");
  CU_ASSERT(init_alg >= 0);
  CU_ASSERT(init_alg < init_pop);
  CU_ASSERT(init_pop < fini_pop);
  CU_ASSERT(fini_pop < fini_alg);

  /* Plugin lines carry the plugin's name as the component. */
  CU_ASSERT(init_alg >= 0 && strcmp(captured[init_alg].who, "test-alg") == 0);
}

static void test_init_failure_stops(void) {
  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("good-alg"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("init-fails"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("good-pop"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugins_init_all(), 0);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "plugin test-init-fails ("));
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "): init failed"));

  /* The pop plugin comes after the failed one and never starts; only the
   * alg plugin, which did, gets a fini. */
  CU_ASSERT_EQUAL(capture_index("init test-pop"), -1);
  gkdc_plugins_unload_all();
  CU_ASSERT(capture_index("fini test-alg") >= 0);
  CU_ASSERT_EQUAL(capture_index("fini test-init-fails"), -1);
  CU_ASSERT_EQUAL(capture_index("fini test-pop"), -1);
}

/* Loads from a config text with the build tree as plugin_dir. */
static int load_config(const char *body) {
  char text[2048];

  snprintf(text, sizeof(text), "plugin_dir = \"%s\";\n%s", PLUGIN_DIR, body);
  return gkdc_config_load_string(text);
}

static void test_config_loads_plugins(void) {
  const struct gkdc_host_api *host = gkdc_host_api();
  const char *greeting = NULL;
  gkdc_plugin *p;

  reset();
  CU_ASSERT_EQUAL(load_config("plugins = ( \"good-alg\", \"good-pop\" );\n"
                              "plugin_config = { test-alg = { greeting = \"hi\"; }; };\n"),
                  1);
  CU_ASSERT_EQUAL(gkdc_plugins_load_config(), 1);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 0);

  p = gkdc_plugins_first();
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_STRING_EQUAL(p->desc->name, "test-alg");
  CU_ASSERT_EQUAL(gkdc_cfg_get_string(host->config_get0(p), "greeting", &greeting), 1);
  CU_ASSERT_STRING_EQUAL(greeting, "hi");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p->next);
  CU_ASSERT_PTR_NULL(host->config_get0(p->next));
  CU_ASSERT_PTR_EQUAL(host->config_root_get0(), gkdc_config_root());
}

static void test_config_unknown_section(void) {
  reset();
  CU_ASSERT_EQUAL(load_config("plugins = ( \"good-alg\" );\n"
                              "plugin_config = {\n  test-alg = {};\n  tset-pop = {};\n};\n"),
                  1);
  CU_ASSERT_EQUAL(gkdc_plugins_load_config(), 0);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
  CU_ASSERT_PTR_NOT_NULL(capture_find(
      GKDC_LOG_ERR,
      "config (config string):5: plugin_config.tset-pop: no loaded plugin is named tset-pop"));
}

static void test_config_plugin_not_found(void) {
  reset();
  CU_ASSERT_EQUAL(load_config("plugins = ( \"good-alg\",\n  \"no-such-plugin\" );\n"), 1);
  CU_ASSERT_EQUAL(gkdc_plugins_load_config(), 0);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
  CU_ASSERT_PTR_NOT_NULL(capture_find(
      GKDC_LOG_ERR, "config (config string):3: plugin no-such-plugin not found in " PLUGIN_DIR));
  /* The plugins that exist are still loaded, so one run reports every
   * problem. */
  CU_ASSERT_PTR_NOT_NULL(gkdc_plugins_first());
}

static void test_config_reports_every_rejection(void) {
  reset();
  CU_ASSERT_EQUAL(load_config("plugins = ( \"bad-abi-major\", \"good-alg\", \"unknown-kind\" );\n"),
                  1);
  CU_ASSERT_EQUAL(gkdc_plugins_load_config(), 0);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 2);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "bad-abi-major.so rejected: ABI major 2"));
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "unknown-kind.so rejected: unknown kind 99"));
}

static void test_config_rejection_reported_once(void) {
  reset();
  CU_ASSERT_EQUAL(load_config("plugins = ( \"bad-abi-major\" );\n"
                              "plugin_config = { test-bad-abi = {}; };\n"),
                  1);
  CU_ASSERT_EQUAL(gkdc_plugins_load_config(), 0);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "bad-abi-major.so rejected: ABI major 2"));
}

static void test_config_explicit_path(void) {
  char body[1200];

  reset();
  snprintf(body, sizeof(body), "plugins = ( \"%s\" );\n", plugin_file("good-pop"));
  CU_ASSERT_EQUAL(load_config(body), 1);
  CU_ASSERT_EQUAL(gkdc_plugins_load_config(), 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(gkdc_plugins_first());
  CU_ASSERT_STRING_EQUAL(gkdc_plugins_first()->file, plugin_file("good-pop"));
}

static void test_load_named(void) {
  gkdc_plugin *p = NULL;

  reset();
  CU_ASSERT_EQUAL(gkdc_plugin_load_named(PLUGIN_DIR, "good-pop", &p), 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_STRING_EQUAL(p->file, plugin_file("good-pop"));

  /* The build tree keeps each plugin in DIR/NAME/.libs/NAME.so. */
  p = NULL;
  CU_ASSERT_EQUAL(gkdc_plugin_load_named(TOP_BUILDDIR "/plugins", "alg-boringssl", &p), 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_STRING_EQUAL(p->file,
                         TOP_BUILDDIR "/plugins/alg-boringssl/.libs/alg-boringssl.so");
  CU_ASSERT_STRING_EQUAL(p->desc->name, "alg-boringssl");

  CU_ASSERT_EQUAL(gkdc_plugin_load_named(PLUGIN_DIR, "no-such-plugin", &p), 0);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
  CU_ASSERT_PTR_NOT_NULL(capture_find(
      GKDC_LOG_ERR, "plugin no-such-plugin not found: no " PLUGIN_DIR "/no-such-plugin.so"));
}

static void test_host_api_table(void) {
  const struct gkdc_host_api *host = gkdc_host_api();
  struct gkdc_provider prov;
  const struct gkdc_crypto *cx;

  reset();
  CU_ASSERT_EQUAL(host->size, sizeof(struct gkdc_host_api));
  CU_ASSERT_EQUAL(host->abi_minor, GKDC_ABI_MINOR);
  CU_ASSERT_TRUE(GKDC_HAS_OP(host, find_alg));
  CU_ASSERT_TRUE(GKDC_HAS_OP(host, state_dir));
  CU_ASSERT(host->now() > 1700000000);
  CU_ASSERT(host->monotonic_ms() > 0);

  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("good-alg"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugin_load(plugin_file("store-a"), NULL), 1);
  CU_ASSERT_EQUAL(gkdc_plugins_init_all(), 1);

  cx = host->crypto_get0();
  CU_ASSERT_PTR_NOT_NULL_FATAL(cx);
  CU_ASSERT_EQUAL(cx->find_alg(cx->arg, -65101, &prov), 1);
  CU_ASSERT_EQUAL(cx->find_alg(cx->arg, -65199, &prov), 0);
  CU_ASSERT_EQUAL(host->get_store(&prov), 1);
  CU_ASSERT_STRING_EQUAL(prov.plugin_name, "test-store-a");
  CU_ASSERT_EQUAL(host->get_kdc(&prov), 0);
  CU_ASSERT_EQUAL(host->find_credfmt(14, &prov), 0);
}

int main(void) {
  CU_pSuite suite;
  int status;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("loader", NULL, NULL);
  CU_add_test(suite, "reject bad ABI major", test_reject_bad_abi_major);
  CU_add_test(suite, "reject no entry point", test_reject_no_entry_point);
  CU_add_test(suite, "reject bad signature", test_reject_bad_signature);
  CU_add_test(suite, "reject unknown kind", test_reject_unknown_kind);
  CU_add_test(suite, "reject missing file", test_reject_missing_file);
  CU_add_test(suite, "reject duplicate name", test_reject_duplicate_name);
  CU_add_test(suite, "reject invalid name", test_reject_invalid_name);
  CU_add_test(suite, "reject null ops", test_reject_null_ops);
  CU_add_test(suite, "reject null descriptor", test_reject_null_descriptor);
  CU_add_test(suite, "reject empty alg list", test_reject_empty_alg_list);
  CU_add_test(suite, "reject duplicate label", test_reject_duplicate_label);
  CU_add_test(suite, "reject duplicate method", test_reject_duplicate_method);
  CU_add_test(suite, "keyed lookups", test_keyed_lookups);
  CU_add_test(suite, "first alg serves twin", test_first_alg_serves_twin);
  CU_add_test(suite, "reject second store", test_reject_second_store);
  CU_add_test(suite, "older minor loads", test_older_minor_loads);
  CU_add_test(suite, "newer minor loads with notice", test_newer_minor_loads_with_notice);
  CU_add_test(suite, "init and fini order", test_init_fini_order);
  CU_add_test(suite, "init failure stops", test_init_failure_stops);
  CU_add_test(suite, "config loads plugins", test_config_loads_plugins);
  CU_add_test(suite, "config unknown section", test_config_unknown_section);
  CU_add_test(suite, "config plugin not found", test_config_plugin_not_found);
  CU_add_test(suite, "config reports every rejection", test_config_reports_every_rejection);
  CU_add_test(suite, "config rejection reported once", test_config_rejection_reported_once);
  CU_add_test(suite, "config explicit path", test_config_explicit_path);
  CU_add_test(suite, "load named", test_load_named);
  CU_add_test(suite, "host API table", test_host_api_table);

  status = gkdc_test_run();
  gkdc_plugins_unload_all();
  gkdc_config_free();
  return status;
}
