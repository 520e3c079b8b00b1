/*
 * Tests of the config file, the gkdc_cfg accessors, the log line format and
 * the response helpers.
 */
#include "gkdc-test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "log_capture.h"

static char tmp_dir[] = "/tmp/gkdc-test-config-XXXXXX";

/* Writes `text` to a file in the test's temporary directory; returns its
 * path in a static buffer. */
static const char *write_file(const char *name, const char *text) {
  static char path[512];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
  return path;
}

/* Expects `text` to be rejected with exactly one error line that contains
 * `message`. */
static void expect_invalid(const char *text, const char *message) {
  capture_start();
  CU_ASSERT_EQUAL(gkdc_config_load_string(text), 0);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, message));
  if (capture_find(GKDC_LOG_ERR, message) == NULL)
    fprintf(stderr, "expected an error containing: %s\n  got: %s\n", message,
            captured_count ? captured[0].msg : "(nothing)");
}

/* ---- schema ---- */

static void test_valid_config(void) {
  const gkdc_cfg *root;

  capture_start();
  CU_ASSERT_EQUAL(gkdc_config_load_string(
                      "log = { level = \"debug\"; sink = \"stderr\"; };\n"
                      "plugin_dir = ( \"/a\", \"/b\" );\n"
                      "plugins = ( \"alg-boringssl\" );\n"
                      "state_dir = \"/var/lib/gkdc\";\n"
                      "listen = ( { uri = \"coap://127.0.0.1:0\"; } );\n"
                      "plugin_config = { alg-boringssl = { x = 1; }; };\n"),
                  1);
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 0);
  root = gkdc_config_root();
  CU_ASSERT_PTR_NOT_NULL(root);
  CU_ASSERT_STRING_EQUAL(gkdc_config_state_dir(), "/var/lib/gkdc");
  CU_ASSERT_PTR_NOT_NULL(gkdc_config_plugin_section("alg-boringssl"));
  CU_ASSERT_PTR_NULL(gkdc_config_plugin_section("kdc-groupcomm"));

  CU_ASSERT_EQUAL(gkdc_config_open_log(), 1);
  CU_ASSERT_TRUE(gkdc_log_enabled(GKDC_LOG_DEBUG));
}

static void test_default_config(void) {
  const char *uri = NULL, *name = NULL;

  capture_start();
  CU_ASSERT_EQUAL(gkdc_config_load(NULL), 1);
  CU_ASSERT_EQUAL(gkdc_cfg_get_string(gkdc_config_root(), "listen.[0].uri", &uri), 1);
  CU_ASSERT_STRING_EQUAL(uri, "coap://127.0.0.1:5683");
  CU_ASSERT_EQUAL(gkdc_cfg_get_string(gkdc_cfg_get0(gkdc_config_root(), "plugins"),
                                      "[0]", &name), 1);
  CU_ASSERT_STRING_EQUAL(name, "alg-boringssl");
  CU_ASSERT_STRING_EQUAL(gkdc_config_state_dir(), ".");
}

static void test_type_errors(void) {
  expect_invalid("state_dir = 5;\n",
                 "config (config string):1: state_dir: expected a string, got an integer");
  expect_invalid("plugins = \"alg-boringssl\";\n",
                 "config (config string):1: plugins: expected a list of strings, got a string");
  expect_invalid("\nplugins = ( \"a\", 7 );\n",
                 "config (config string):2: plugins.[1]: expected a string, got an integer");
  expect_invalid("log = \"debug\";\n", "log: expected a group, got a string");
  expect_invalid("log = { level = 3; };\n", "log.level: expected a string, got an integer");
  expect_invalid("listen = ( \"coap://127.0.0.1\" );\n",
                 "listen.[0]: expected a group, got a string");
  expect_invalid("plugin_config = { x = 1; };\n",
                 "plugin_config.x: expected a group, got an integer");
  expect_invalid("state_dir = \"\";\n", "state_dir: must not be empty");
}

static void test_value_errors(void) {
  expect_invalid("log = { level = \"verbose\"; };\n",
                 "log.level: unknown level \"verbose\"; use error, warning, notice, info or debug");
  expect_invalid("log = { sink = \"file\"; };\n",
                 "log.sink: unknown sink \"file\"; use stderr or syslog");
  expect_invalid("log = { levle = \"info\"; };\n",
                 "log.levle: unknown setting; log takes level and sink");
  expect_invalid("listen = ( { url = \"coap://127.0.0.1\"; } );\n",
                 "listen.[0]: missing uri");
}

static void test_unknown_top_level_key(void) {
  expect_invalid("plugins = ( );\n\nstat_dir = \"/tmp\";\n",
                 "config (config string):3: stat_dir: unknown setting; the top-level settings are");
}

static void test_syntax_error(void) {
  expect_invalid("plugins = ( \"a\" );\nstate_dir = ;\n",
                 "config (config string):2: syntax error");
}

static void test_file_errors_name_file_and_line(void) {
  const char *path;
  char expected[700];

  path = write_file("bad.conf", "# comment\nplugins = ( \"alg-boringssl\" );\n"
                                "log = { level = 7; };\n");
  capture_start();
  CU_ASSERT_EQUAL(gkdc_config_load(path), 0);
  snprintf(expected, sizeof(expected), "config %s:3: log.level: expected a string", path);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, expected));

  path = write_file("syntax.conf", "plugins = ( \"a\" );\n\n\nlisten = ( { uri = } );\n");
  capture_start();
  CU_ASSERT_EQUAL(gkdc_config_load(path), 0);
  snprintf(expected, sizeof(expected), "config %s:4: syntax error", path);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, expected));

  capture_start();
  CU_ASSERT_EQUAL(gkdc_config_load("/nonexistent/gkdc.conf"), 0);
  CU_ASSERT_PTR_NOT_NULL(capture_find(
      GKDC_LOG_ERR, "config /nonexistent/gkdc.conf: cannot read the file: No such file"));

  capture_start();
  CU_ASSERT_EQUAL(gkdc_config_load(tmp_dir), 0);
  snprintf(expected, sizeof(expected), "config %s: is a directory", tmp_dir);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, expected));
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
}

static void test_include_names_included_file(void) {
  char main_path[512], expected[700];

  write_file("inc.conf", "\nstate_dir = 5;\n");
  snprintf(main_path, sizeof(main_path), "%s", write_file("main.conf",
                                                         "plugins = ( );\n"
                                                         "@include \"inc.conf\"\n"));
  capture_start();
  CU_ASSERT_EQUAL(gkdc_config_load(main_path), 0);
  snprintf(expected, sizeof(expected),
           "config %s/inc.conf:2: state_dir: expected a string, got an integer", tmp_dir);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, expected));
}

static void test_failed_load_keeps_previous(void) {
  const gkdc_cfg *before;

  capture_start();
  CU_ASSERT_EQUAL(gkdc_config_load_string("state_dir = \"/first\";\n"), 1);
  before = gkdc_config_root();
  CU_ASSERT_EQUAL(gkdc_config_load_string("state_dir = 1;\n"), 0);
  CU_ASSERT_PTR_EQUAL(gkdc_config_root(), before);
  CU_ASSERT_STRING_EQUAL(gkdc_config_state_dir(), "/first");
}

/* ---- accessors ---- */

static void test_accessors(void) {
  const gkdc_cfg *root, *section, *list, *elem;
  const char *s = NULL;
  int64_t i = 0;
  int b = -1;
  uint8_t buf[4];
  size_t len = 99;
  const char *path;
  char expected[600];

  path = write_file("acc.conf",
                    "plugins = ( \"p\" );\n"
                    "plugin_config = {\n"
                    "  p = {\n"
                    "    name = \"g1\";\n"
                    "    count = 42;\n"
                    "    big = 5000000000L;\n"
                    "    on = true;\n"
                    "    key = \"0aFf10\";\n"
                    "    odd = \"abc\";\n"
                    "    nothex = \"zz\";\n"
                    "    groups = ( { kid = \"01\"; }, { kid = \"02\"; } );\n"
                    "  };\n"
                    "};\n");
  capture_start();
  CU_ASSERT_EQUAL_FATAL(gkdc_config_load(path), 1);
  root = gkdc_config_root();
  section = gkdc_config_plugin_section("p");
  CU_ASSERT_PTR_NOT_NULL_FATAL(section);
  CU_ASSERT_PTR_EQUAL(gkdc_cfg_get0(root, "plugin_config.p"), section);
  CU_ASSERT_PTR_EQUAL(gkdc_cfg_get0(section, NULL), section);
  CU_ASSERT_PTR_NULL(gkdc_cfg_get0(section, "missing"));
  CU_ASSERT_PTR_NULL(gkdc_cfg_get0(NULL, "name"));

  CU_ASSERT_EQUAL(gkdc_cfg_get_string(section, "name", &s), 1);
  CU_ASSERT_STRING_EQUAL(s, "g1");
  CU_ASSERT_EQUAL(gkdc_cfg_get_string(section, "count", &s), 0);

  CU_ASSERT_EQUAL(gkdc_cfg_get_int(section, "count", &i), 1);
  CU_ASSERT_EQUAL(i, 42);
  CU_ASSERT_EQUAL(gkdc_cfg_get_int(section, "big", &i), 1);
  CU_ASSERT_EQUAL(i, 5000000000LL);
  CU_ASSERT_EQUAL(gkdc_cfg_get_int(section, "name", &i), 0);

  CU_ASSERT_EQUAL(gkdc_cfg_get_bool(section, "on", &b), 1);
  CU_ASSERT_EQUAL(b, 1);
  CU_ASSERT_EQUAL(gkdc_cfg_get_bool(section, "count", &b), 0);

  CU_ASSERT_EQUAL(gkdc_cfg_get_hex(section, "key", buf, sizeof(buf), &len), 1);
  CU_ASSERT_EQUAL(len, 3);
  CU_ASSERT_EQUAL(buf[0], 0x0a);
  CU_ASSERT_EQUAL(buf[1], 0xff);
  CU_ASSERT_EQUAL(buf[2], 0x10);
  len = 99;
  CU_ASSERT_EQUAL(gkdc_cfg_get_hex(section, "key", buf, 2, &len), 0);
  CU_ASSERT_EQUAL(gkdc_cfg_get_hex(section, "odd", buf, sizeof(buf), &len), 0);
  CU_ASSERT_EQUAL(gkdc_cfg_get_hex(section, "nothex", buf, sizeof(buf), &len), 0);
  CU_ASSERT_EQUAL(len, 99);

  list = gkdc_cfg_get0(section, "groups");
  CU_ASSERT_EQUAL(gkdc_cfg_count(list), 2);
  CU_ASSERT_EQUAL(gkdc_cfg_count(gkdc_cfg_get0(section, "count")), 0);
  CU_ASSERT_EQUAL(gkdc_cfg_count(section), 8);
  elem = gkdc_cfg_elem0(list, 1);
  CU_ASSERT_EQUAL(gkdc_cfg_get_string(elem, "kid", &s), 1);
  CU_ASSERT_STRING_EQUAL(s, "02");
  CU_ASSERT_PTR_NULL(gkdc_cfg_elem0(list, 2));
  CU_ASSERT_PTR_NULL(gkdc_cfg_name(elem));
  CU_ASSERT_STRING_EQUAL(gkdc_cfg_name(gkdc_cfg_elem0(section, 1)), "count");

  snprintf(expected, sizeof(expected), "%s:5", path);
  CU_ASSERT_STRING_EQUAL(gkdc_cfg_where(gkdc_cfg_get0(section, "count")), expected);
  CU_ASSERT_STRING_EQUAL(gkdc_cfg_where(NULL), "(no setting)");
}

/* ---- log line format ---- */

/* Logs one line with stderr redirected to a file; returns what was written. */
static const char *log_to_buffer(int level, const char *who, const char *msg) {
  static char line[1024];
  const char *path = write_file("stderr.txt", "");
  FILE *f;
  int saved;
  size_t n;

  gkdc_log_set_hook(NULL, NULL);
  fflush(stderr);
  saved = dup(fileno(stderr));
  CU_ASSERT_FATAL(freopen(path, "w", stderr) != NULL);
  gkdc_log(level, who, "%s", msg);
  fflush(stderr);
  dup2(saved, fileno(stderr));
  close(saved);

  f = fopen(path, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  n = fread(line, 1, sizeof(line) - 1, f);
  line[n] = '\0';
  fclose(f);
  return line;
}

static void test_log_line_format(void) {
  const char *line;
  int year, mon, day, hour, min, sec, ms, used = 0;

  CU_ASSERT_EQUAL(gkdc_log_open("stderr", GKDC_LOG_INFO), 1);
  line = log_to_buffer(GKDC_LOG_WARNING, "coap", "hello");
  CU_ASSERT_EQUAL(sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ %n", &year, &mon, &day,
                         &hour, &min, &sec, &ms, &used),
                  7);
  CU_ASSERT_EQUAL(used, 25);
  CU_ASSERT_STRING_EQUAL(line + used, "warning coap: hello\n");

  /* A newline inside a message cannot start a forged second line. */
  line = log_to_buffer(GKDC_LOG_ERR, "host", "a\nb\rc");
  CU_ASSERT_PTR_NOT_NULL(strstr(line, " error host: a?b?c\n"));

  /* Below the level nothing is written. */
  line = log_to_buffer(GKDC_LOG_DEBUG, "host", "quiet");
  CU_ASSERT_STRING_EQUAL(line, "");
}

static void test_log_levels(void) {
  int level = 0;

  CU_ASSERT_EQUAL(gkdc_log_open("stderr", GKDC_LOG_NOTICE), 1);
  CU_ASSERT_TRUE(gkdc_log_enabled(GKDC_LOG_ERR));
  CU_ASSERT_TRUE(gkdc_log_enabled(GKDC_LOG_NOTICE));
  CU_ASSERT_FALSE(gkdc_log_enabled(GKDC_LOG_INFO));
  CU_ASSERT_EQUAL(gkdc_log_open("file", GKDC_LOG_INFO), 0);
  CU_ASSERT_EQUAL(gkdc_log_level_from_name("warning", &level), 1);
  CU_ASSERT_EQUAL(level, GKDC_LOG_WARNING);
  CU_ASSERT_EQUAL(gkdc_log_level_from_name("warn", &level), 0);
  CU_ASSERT_STRING_EQUAL(gkdc_log_level_name(GKDC_LOG_DEBUG), "debug");
}

/* ---- response helpers ---- */

static void test_response_helpers(void) {
  static const uint8_t data[] = {1, 2, 3};
  struct gkdc_response resp;
  int i;

  gkdc_response_init(&resp);
  CU_ASSERT_EQUAL(resp.size, sizeof(resp));
  CU_ASSERT_EQUAL(resp.code, 0);
  CU_ASSERT_EQUAL(resp.content_format, GKDC_CF_NONE);
  CU_ASSERT_EQUAL(resp.max_age, -1);

  CU_ASSERT_EQUAL(gkdc_response_set(&resp, GKDC_CODE(2, 5), GKDC_CF_CBOR, data, 3), 1);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 5));
  CU_ASSERT_EQUAL(resp.payload_len, 3);
  CU_ASSERT_EQUAL(memcmp(resp.payload, data, 3), 0);
  CU_ASSERT_PTR_NOT_EQUAL(resp.payload, data);

  /* A NULL buffer with a length is invalid and changes nothing. */
  CU_ASSERT_EQUAL(gkdc_response_set_payload(&resp, NULL, 5), 0);
  CU_ASSERT_EQUAL(resp.payload_len, 3);
  CU_ASSERT_EQUAL(gkdc_response_set_payload(&resp, NULL, 0), 1);
  CU_ASSERT_PTR_NULL(resp.payload);

  for (i = 0; i < GKDC_MAX_LOCATION; i++)
    CU_ASSERT_EQUAL(gkdc_response_add_location(&resp, "seg"), 1);
  CU_ASSERT_EQUAL(gkdc_response_add_location(&resp, "one-too-many"), 0);
  CU_ASSERT_EQUAL(resp.location_count, GKDC_MAX_LOCATION);

  gkdc_response_clear(&resp);
  CU_ASSERT_EQUAL(resp.location_count, 0);
  CU_ASSERT_PTR_NULL(resp.payload);
  gkdc_response_clear(&resp);
  gkdc_response_clear(NULL);
}

int main(void) {
  CU_pSuite suite;
  int status;

  if (mkdtemp(tmp_dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;

  suite = CU_add_suite("config", NULL, NULL);
  CU_add_test(suite, "valid config", test_valid_config);
  CU_add_test(suite, "default config", test_default_config);
  CU_add_test(suite, "type errors", test_type_errors);
  CU_add_test(suite, "value errors", test_value_errors);
  CU_add_test(suite, "unknown top-level key", test_unknown_top_level_key);
  CU_add_test(suite, "syntax error", test_syntax_error);
  CU_add_test(suite, "file errors name file and line", test_file_errors_name_file_and_line);
  CU_add_test(suite, "include names included file", test_include_names_included_file);
  CU_add_test(suite, "failed load keeps previous", test_failed_load_keeps_previous);
  CU_add_test(suite, "accessors", test_accessors);

  suite = CU_add_suite("log", NULL, NULL);
  CU_add_test(suite, "log line format", test_log_line_format);
  CU_add_test(suite, "log levels", test_log_levels);

  suite = CU_add_suite("response", NULL, NULL);
  CU_add_test(suite, "response helpers", test_response_helpers);

  status = gkdc_test_run();
  gkdc_config_free();
  gkdc_log_set_hook(NULL, NULL);

  /* Remove the temporary files. */
  {
    static const char *const names[] = {"bad.conf",  "syntax.conf", "acc.conf",
                                           "inc.conf",  "main.conf",   "stderr.txt"};
    char path[600];
    size_t k;

    for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
      snprintf(path, sizeof(path), "%s/%s", tmp_dir, names[k]);
      unlink(path);
    }
    rmdir(tmp_dir);
  }
  return status;
}
