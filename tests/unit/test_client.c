/*
 * Tests of the non-blocking client (include/gkdc/client.h) against a real
 * host: a child process runs `gkdc serve` code (config, plugins, CoAP
 * context, loop) with the test-resource plugin on 127.0.0.1, and the
 * parent drives clients on a libcoap context of their own.
 *
 * Covered: many concurrent sessions in one loop each reading the
 * block-wise test/large, a Block1 POST echoed back, a separate (deferred)
 * response, Observe notifications and their cancellation, cancelling a
 * pending request, a timeout against a socket that never responds, invalid
 * URIs, and a DTLS PSK session when built with DTLS. A second suite runs
 * the host in this process and a client on the host's own loop, as inside
 * `gkdc serve`.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <gkdc/cbor.h>
#include <gkdc/client.h>

#include "client_internal.h"
#include "client_tool.h"
#include "gkdc-test.h"
#include "internal.h"

#define LARGE_SIZE 5000
#define PATTERN "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

static pid_t server_pid;
static char coap_uri[128];
static char coaps_uri[128];
static char work_dir[] = "/tmp/gkdc-client-test.XXXXXX";

static volatile sig_atomic_t child_stop;

static uint64_t now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void on_term(int signo) {
  child_stop = signo;
}

/* The child: a host with the test-resource plugin until SIGTERM. */
static void run_server(const char *endpoints_file) {
  char config[2048];
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);

  snprintf(config, sizeof(config),
           "log = { level = \"warning\"; sink = \"stderr\"; };\n"
           "plugin_dir = ( \"%s/plugins\", \"%s/tests/plugins/.libs\" );\n"
           "plugins = ( \"alg-boringssl\", \"test-resource\" );\n"
           "state_dir = \"%s\";\n"
           "listen = ( { uri = \"coap://127.0.0.1:0\"; }"
#ifdef GKDC_HAVE_DTLS
           ", { uri = \"coaps://127.0.0.1:0\"; psk_hint = \"gkdc\"; }"
#endif
           " );\n"
           "plugin_config = { test-resource = { large_size = %d; obs_interval_ms = 100; }; };\n",
           TOP_BUILDDIR, TOP_BUILDDIR, work_dir, LARGE_SIZE);

  gkdc_log_open("stderr", GKDC_LOG_WARNING);
  if (!gkdc_config_load_string(config) || !gkdc_plugins_load_config() ||
      !gkdc_plugins_init_all() || !gkdc_coap_start(gkdc_config_root()) ||
      !gkdc_coap_write_endpoints(endpoints_file))
    _exit(3);
  gkdc_coap_run(&child_stop);
  gkdc_coap_release_exchanges();
  gkdc_plugins_unload_all();
  gkdc_coap_stop();
  gkdc_config_free();
  _exit(0);
}

static int suite_init(void) {
  char endpoints[256], line[128];
  FILE *f = NULL;
  int i;

  if (mkdtemp(work_dir) == NULL)
    return -1;
  snprintf(endpoints, sizeof(endpoints), "%s/endpoints", work_dir);

  server_pid = fork();
  if (server_pid < 0)
    return -1;
  if (server_pid == 0)
    run_server(endpoints);

  for (i = 0; i < 100 && f == NULL; i++) {
    usleep(100 * 1000);
    f = fopen(endpoints, "r");
  }
  if (f == NULL) {
    fprintf(stderr, "the test host wrote no endpoints file\n");
    return -1;
  }
  while (fgets(line, sizeof(line), f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "coap://", 7) == 0)
      snprintf(coap_uri, sizeof(coap_uri), "%s", line);
    else if (strncmp(line, "coaps://", 8) == 0)
      snprintf(coaps_uri, sizeof(coaps_uri), "%s", line);
  }
  fclose(f);
  gkdc_log_open("stderr", GKDC_LOG_WARNING);
  return coap_uri[0] != '\0' ? 0 : -1;
}

static int suite_clean(void) {
  int status = 0;
  char cmd[300];

  if (server_pid > 0) {
    kill(server_pid, SIGTERM);
    waitpid(server_pid, &status, 0);
  }
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work_dir);
  if (system(cmd) != 0)
    return -1;
  gkdc_log_close();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* What a callback saw. */
struct outcome {
  int calls;
  int status;
  uint8_t code;
  int32_t content_format;
  uint8_t *body;
  size_t body_len;
  int64_t last_observe;
  volatile int done;
  int cancel_after; /* cancel the request in the callback after this many calls */
};

static void record(void *arg, gkdc_client_request *req, int status,
                   const struct gkdc_client_response *resp) {
  struct outcome *o = arg;

  o->calls++;
  o->status = status;
  if (resp != NULL) {
    o->code = resp->code;
    o->content_format = resp->content_format;
    free(o->body);
    o->body = malloc(resp->payload_len + 1);
    if (o->body != NULL) {
      if (resp->payload_len > 0)
        memcpy(o->body, resp->payload, resp->payload_len);
      o->body[resp->payload_len] = '\0';
    }
    o->body_len = resp->payload_len;
    o->last_observe = resp->observe;
  }
  if (o->cancel_after > 0 && o->calls >= o->cancel_after) {
    gkdc_client_cancel(req);
    o->done = 1;
    return;
  }
  if (o->cancel_after == 0)
    o->done = 1;
}

static struct gkdc_client_msg get_msg(const char *path) {
  struct gkdc_client_msg m;

  memset(&m, 0, sizeof(m));
  m.method = GKDC_GET;
  m.path = path;
  m.content_format = GKDC_CF_NONE;
  m.accept = GKDC_CF_NONE;
  m.timeout_ms = 5000;
  return m;
}

static int large_body_ok(const struct outcome *o) {
  size_t i;

  if (o->body == NULL || o->body_len != LARGE_SIZE)
    return 0;
  for (i = 0; i < LARGE_SIZE; i++) {
    if (o->body[i] != (uint8_t)PATTERN[i % 62])
      return 0;
  }
  return 1;
}

static void test_concurrent_large(void) {
  size_t n = gkdc_test_scaled(50, 5), i, ok = 0;
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  gkdc_client_session **sessions = calloc(n, sizeof(*sessions));
  struct outcome *outcomes = calloc(n, sizeof(*outcomes));
  struct gkdc_client_msg m = get_msg("test/large");
  volatile int all_done = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sessions);
  CU_ASSERT_PTR_NOT_NULL_FATAL(outcomes);
  for (i = 0; i < n; i++) {
    sessions[i] = gkdc_client_session_new(c, coap_uri, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sessions[i]);
    CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(sessions[i], &m, record, &outcomes[i]));
  }
  CU_ASSERT_EQUAL(gkdc_client_pending(c), n);

  while (!all_done) {
    size_t finished = 0;

    if (!gkdc_client_run_once(c, 100))
      break;
    for (i = 0; i < n; i++)
      finished += outcomes[i].done != 0;
    all_done = finished == n;
  }
  for (i = 0; i < n; i++) {
    CU_ASSERT_EQUAL(outcomes[i].calls, 1);
    CU_ASSERT_EQUAL(outcomes[i].status, GKDC_CLIENT_OK);
    CU_ASSERT_EQUAL(outcomes[i].code, GKDC_CODE(2, 5));
    ok += large_body_ok(&outcomes[i]);
    free(outcomes[i].body);
  }
  CU_ASSERT_EQUAL(ok, n);
  CU_ASSERT_EQUAL(gkdc_client_pending(c), 0);

  gkdc_client_free(c);
  free(sessions);
  free(outcomes);
}

static void test_echo_block1(void) {
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  gkdc_client_session *s;
  struct outcome o;
  struct gkdc_client_msg m = get_msg("test/echo");
  uint8_t body[3000];
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  s = gkdc_client_session_new(c, coap_uri, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  for (i = 0; i < sizeof(body); i++)
    body[i] = (uint8_t)(i * 7);
  memset(&o, 0, sizeof(o));
  m.method = GKDC_POST;
  m.content_format = GKDC_CF_CBOR;
  m.payload = body;
  m.payload_len = sizeof(body);
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &m, record, &o));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &o.done, 5000));
  CU_ASSERT_EQUAL(o.status, GKDC_CLIENT_OK);
  CU_ASSERT_EQUAL(o.code, GKDC_CODE(2, 4));
  CU_ASSERT_EQUAL(o.content_format, GKDC_CF_CBOR);
  CU_ASSERT_EQUAL(o.body_len, sizeof(body));
  CU_ASSERT_TRUE(o.body != NULL && memcmp(o.body, body, sizeof(body)) == 0);
  free(o.body);
  gkdc_client_free(c);
}

static void test_deferred_and_not_found(void) {
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  gkdc_client_session *s;
  struct outcome a, b;
  struct gkdc_client_msg m = get_msg("test/deferred");
  struct gkdc_client_msg missing = get_msg("test/none");

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  s = gkdc_client_session_new(c, coap_uri, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &m, record, &a));
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &missing, record, &b));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &a.done, 5000));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &b.done, 5000));
  CU_ASSERT_EQUAL(a.code, GKDC_CODE(2, 5));
  CU_ASSERT_TRUE(a.body != NULL && strcmp((char *)a.body, "deferred") == 0);
  CU_ASSERT_EQUAL(b.code, GKDC_CODE(4, 4));
  free(a.body);
  free(b.body);
  gkdc_client_free(c);
}

static void test_observe_notifications(void) {
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  gkdc_client_session *s;
  struct outcome o;
  struct gkdc_client_msg m = get_msg("test/obs");

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  s = gkdc_client_session_new(c, coap_uri, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  memset(&o, 0, sizeof(o));
  o.cancel_after = 4;
  m.observe = 1;
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &m, record, &o));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &o.done, 5000));
  CU_ASSERT_EQUAL(o.calls, 4);
  CU_ASSERT_EQUAL(o.status, GKDC_CLIENT_OK);
  CU_ASSERT_TRUE(o.last_observe >= 0);
  CU_ASSERT_TRUE(o.body != NULL && strncmp((char *)o.body, "obs ", 4) == 0);
  CU_ASSERT_EQUAL(gkdc_client_pending(c), 0);

  /* After the cancel, later notifications reach no callback. */
  {
    volatile int never = 0;

    gkdc_client_run_until(c, &never, 400);
  }
  CU_ASSERT_EQUAL(o.calls, 4);
  free(o.body);
  gkdc_client_free(c);
}

/*
 * A block-wise GET interleaved with an observation on one session: the
 * host's libcoap 4.3.1 keeps one Block2 state per session for all routes,
 * so the transfer may break. The client must then report
 * GKDC_CLIENT_INCOMPLETE, never a truncated body as a success.
 */
static void test_interleaved_blockwise(void) {
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  gkdc_client_session *s;
  struct outcome big, obs;
  struct gkdc_client_msg lm = get_msg("test/large");
  struct gkdc_client_msg om = get_msg("test/obs");

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  s = gkdc_client_session_new(c, coap_uri, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  memset(&big, 0, sizeof(big));
  memset(&obs, 0, sizeof(obs));
  obs.cancel_after = 2;
  om.observe = 1;
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &lm, record, &big));
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &om, record, &obs));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &big.done, 8000));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &obs.done, 8000));
  CU_ASSERT_EQUAL(big.calls, 1);
  if (big.status == GKDC_CLIENT_OK) {
    CU_ASSERT_TRUE(large_body_ok(&big));
  } else {
    CU_ASSERT_EQUAL(big.status, GKDC_CLIENT_INCOMPLETE);
  }
  free(big.body);
  free(obs.body);
  gkdc_client_free(c);
}

static void test_cancel_pending(void) {
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  gkdc_client_session *s;
  gkdc_client_request *r;
  struct outcome o;
  struct gkdc_client_msg m = get_msg("test/deferred");
  volatile int never = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  s = gkdc_client_session_new(c, coap_uri, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  memset(&o, 0, sizeof(o));
  r = gkdc_client_send(s, &m, record, &o);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  CU_ASSERT_PTR_EQUAL(gkdc_client_request_session(r), s);
  gkdc_client_cancel(r);
  CU_ASSERT_EQUAL(gkdc_client_pending(c), 0);
  gkdc_client_run_until(c, &never, 400);
  CU_ASSERT_EQUAL(o.calls, 0);
  gkdc_client_free(c);
}

static void test_timeout(void) {
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  gkdc_client_session *s;
  struct outcome o;
  struct gkdc_client_msg m = get_msg("test/large");
  struct sockaddr_in sin;
  socklen_t sin_len = sizeof(sin);
  char uri[64];
  uint64_t start;
  int fd;

  /* A bound socket that never reads: requests to it get no response. */
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  CU_ASSERT_TRUE_FATAL(fd >= 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
  CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&sin, &sin_len), 0);
  snprintf(uri, sizeof(uri), "coap://127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  s = gkdc_client_session_new(c, uri, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  memset(&o, 0, sizeof(o));
  m.timeout_ms = 300;
  start = now_ms();
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &m, record, &o));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &o.done, 3000));
  CU_ASSERT_EQUAL(o.calls, 1);
  CU_ASSERT_EQUAL(o.status, GKDC_CLIENT_TIMEOUT);
  CU_ASSERT_TRUE(now_ms() - start >= 300);
  CU_ASSERT_TRUE(now_ms() - start < 2000);
  CU_ASSERT_EQUAL(gkdc_client_pending(c), 0);
  gkdc_client_free(c);
  close(fd);
}

static void test_invalid_uris(void) {
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  struct gkdc_client_psk zero_psk = {{(const uint8_t *)"a\0b", 3}, {(const uint8_t *)"k", 1}};

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_PTR_NULL(gkdc_client_session_new(c, "http://127.0.0.1:1", NULL));
  CU_ASSERT_PTR_NULL(gkdc_client_session_new(c, "coap://127.0.0.1:1/path", NULL));
  CU_ASSERT_PTR_NULL(gkdc_client_session_new(c, "coaps://127.0.0.1:1", NULL));
  CU_ASSERT_PTR_NULL(gkdc_client_session_new(c, "coaps://127.0.0.1:1", &zero_psk));
  CU_ASSERT_PTR_NULL(gkdc_client_new(GKDC_CLIENT_LOOP_HOST)); /* no host context here */
  gkdc_client_free(c);
}

static void test_dtls_psk(void) {
#ifdef GKDC_HAVE_DTLS
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  struct gkdc_client_psk psk = {{(const uint8_t *)"gkdc-test", 9},
                                {(const uint8_t *)"test-psk-0123456", 16}};
  struct gkdc_client_psk wrong = {{(const uint8_t *)"gkdc-test", 9},
                                  {(const uint8_t *)"wrong-psk-012345", 16}};
  gkdc_client_session *s, *bad;
  struct outcome o, f;
  struct gkdc_client_msg m = get_msg("test/peer");

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_TRUE_FATAL(coaps_uri[0] != '\0');
  s = gkdc_client_session_new(c, coaps_uri, &psk);
  bad = gkdc_client_session_new(c, coaps_uri, &wrong);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
  memset(&o, 0, sizeof(o));
  memset(&f, 0, sizeof(f));
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &m, record, &o));
  m.timeout_ms = 2000;
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(bad, &m, record, &f));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &o.done, 5000));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &f.done, 5000));
  CU_ASSERT_EQUAL(o.status, GKDC_CLIENT_OK);
  CU_ASSERT_EQUAL(o.code, GKDC_CODE(2, 5));
  CU_ASSERT_TRUE(o.body != NULL && strstr((char *)o.body, "gkdc-test") != NULL);
  CU_ASSERT_EQUAL(f.calls, 1);
  /* GnuTLS 3.7 drops the Finished message that a wrong key garbles, so
   * the request usually ends at its timeout before DTLS gives up. */
  CU_ASSERT_TRUE(f.status == GKDC_CLIENT_TIMEOUT || f.status == GKDC_CLIENT_DTLS_FAILED);
  free(o.body);
  free(f.body);
  gkdc_client_free(c);
#else
  printf("(no DTLS in this build) ");
#endif
}

/* ---- a client on the host's own loop, as inside `gkdc serve` ---- */

static char host_uri[128];
static char host_work_dir[] = "/tmp/gkdc-client-host.XXXXXX";

static int host_suite_init(void) {
  char config[1024], endpoints[256], line[128];
  FILE *f;

  if (mkdtemp(host_work_dir) == NULL)
    return -1;
  snprintf(config, sizeof(config),
           "log = { level = \"warning\"; sink = \"stderr\"; };\n"
           "plugin_dir = ( \"%s/plugins\", \"%s/tests/plugins/.libs\" );\n"
           "plugins = ( \"alg-boringssl\", \"test-resource\" );\n"
           "state_dir = \"%s\";\n"
           "listen = ( { uri = \"coap://127.0.0.1:0\"; } );\n"
           "plugin_config = { test-resource = { large_size = %d; obs_interval_ms = 100; }; };\n",
           TOP_BUILDDIR, TOP_BUILDDIR, host_work_dir, LARGE_SIZE);
  snprintf(endpoints, sizeof(endpoints), "%s/endpoints", host_work_dir);
  gkdc_log_open("stderr", GKDC_LOG_WARNING);
  if (!gkdc_config_load_string(config) || !gkdc_plugins_load_config() ||
      !gkdc_plugins_init_all() || !gkdc_coap_start(gkdc_config_root()) ||
      !gkdc_coap_write_endpoints(endpoints))
    return -1;
  f = fopen(endpoints, "r");
  if (f == NULL)
    return -1;
  if (fgets(line, sizeof(line), f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    snprintf(host_uri, sizeof(host_uri), "%s", line);
  }
  fclose(f);
  return host_uri[0] != '\0' ? 0 : -1;
}

static int host_suite_clean(void) {
  char cmd[300];

  gkdc_coap_release_exchanges();
  gkdc_plugins_unload_all();
  gkdc_coap_stop();
  gkdc_config_free();
  gkdc_log_close();
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", host_work_dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_host_loop_requests(void) {
  gkdc_client *c = gkdc_client_new(GKDC_CLIENT_LOOP_HOST);
  gkdc_client_session *s;
  struct outcome large, deferred, obs;
  struct gkdc_client_msg m = get_msg("test/large");
  struct gkdc_client_msg d = get_msg("test/deferred");
  struct gkdc_client_msg o = get_msg("test/obs");

  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  /* libcoap has one response handler per context: one client at a time. */
  CU_ASSERT_PTR_NULL(gkdc_client_new(GKDC_CLIENT_LOOP_HOST));
  s = gkdc_client_session_new(c, host_uri, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  memset(&large, 0, sizeof(large));
  memset(&deferred, 0, sizeof(deferred));
  memset(&obs, 0, sizeof(obs));
  obs.cancel_after = 3;
  o.observe = 1;
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &m, record, &large));
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &d, record, &deferred));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &large.done, 5000));
  /* After the block-wise GET: the host's Block2 state is shared by all
   * routes of a session (see test_interleaved_blockwise). */
  CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &o, record, &obs));

  CU_ASSERT_TRUE(gkdc_client_run_until(c, &deferred.done, 5000));
  CU_ASSERT_TRUE(gkdc_client_run_until(c, &obs.done, 5000));
  CU_ASSERT_EQUAL(large.code, GKDC_CODE(2, 5));
  CU_ASSERT_EQUAL(large.body_len, LARGE_SIZE);
  CU_ASSERT_TRUE(large_body_ok(&large));
  CU_ASSERT_EQUAL(deferred.code, GKDC_CODE(2, 5));
  CU_ASSERT_TRUE(deferred.body != NULL && strcmp((char *)deferred.body, "deferred") == 0);
  CU_ASSERT_EQUAL(obs.calls, 3);
  CU_ASSERT_TRUE(obs.last_observe >= 0);
  CU_ASSERT_EQUAL(gkdc_client_pending(c), 0);
  free(large.body);
  free(deferred.body);
  free(obs.body);
  gkdc_client_free(c);

  /* A closed port: the ICMP error reaches the client through the host's
   * NACK handler, long before the timeout. */
  {
    struct outcome refused;
    struct gkdc_client_msg rm = get_msg("test/large");
    struct sockaddr_in sin;
    socklen_t sin_len = sizeof(sin);
    char uri[64];
    uint64_t start;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    CU_ASSERT_TRUE_FATAL(fd >= 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&sin, &sin_len), 0);
    close(fd);
    snprintf(uri, sizeof(uri), "coap://127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));

    c = gkdc_client_new(GKDC_CLIENT_LOOP_HOST);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    s = gkdc_client_session_new(c, uri, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    memset(&refused, 0, sizeof(refused));
    rm.timeout_ms = 4000;
    start = now_ms();
    CU_ASSERT_PTR_NOT_NULL(gkdc_client_send(s, &rm, record, &refused));
    CU_ASSERT_TRUE(gkdc_client_run_until(c, &refused.done, 6000));
    CU_ASSERT_EQUAL(refused.status, GKDC_CLIENT_UNREACHABLE);
    CU_ASSERT_TRUE(now_ms() - start < 2000);
    gkdc_client_free(c);
  }

  /* Freed, the host's context takes a new client. */
  c = gkdc_client_new(GKDC_CLIENT_LOOP_HOST);
  CU_ASSERT_PTR_NOT_NULL(c);
  gkdc_client_free(c);
}

/* ---- command-line scope and hex parsing of the client tools ---- */

static int hex_equals(const uint8_t *p, size_t len, const char *hex) {
  char text[512];
  size_t i;

  if (len * 2 + 1 > sizeof(text))
    return 0;
  for (i = 0; i < len; i++)
    snprintf(text + 2 * i, 3, "%02x", p[i]);
  text[2 * len] = '\0';
  return strcmp(text, hex) == 0;
}

static void test_scope_text(void) {
  static const struct {
    const char *text;
    const char *cbor_hex; /* NULL: rejected */
  } cases[] = {
      /* bstr(<< [["g1", 6]] >>) */
      {"[[\"g1\", 6]]", "46818262673106"},
      {" [ [ \"g1\" , 6 ] , [\"g2\",-1] ]", "4b8282626731068262673220"},
      {"[]", "4180"},
      {"818262673106", "46818262673106"}, /* hex CBOR becomes a bstr */
      {"read", "6472656164"},              /* other text: a tstr */
      {"abc", "63616263"},                 /* odd-length hex is text */
      {"[[\"g1\", 6]", NULL},
      {"[[\"g1\" 6]]", NULL},
      {"[\"a\\\"b\"]", NULL},
      {"[[[[[[[[[[1]]]]]]]]]]", NULL},
      {"[1] x", NULL},
      {"[true]", NULL},
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t buf[256];
    struct gkdc_cbor_enc e;
    size_t len = 0;
    int ok;

    gkdc_cbor_enc_init(&e, buf, sizeof(buf));
    ok = gkdc_tool_encode_scope(cases[i].text, &e);
    if (cases[i].cbor_hex == NULL) {
      CU_ASSERT_FALSE(ok);
      continue;
    }
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_EQUAL(gkdc_cbor_enc_finish(&e, &len), GKDC_CBOR_OK);
    CU_ASSERT_TRUE(hex_equals(buf, len, cases[i].cbor_hex));
    if (!hex_equals(buf, len, cases[i].cbor_hex))
      fprintf(stderr, "scope case %zu: unexpected encoding\n", i);
  }
}

static void test_hex_decode(void) {
  uint8_t out[4];
  size_t len = 0;

  CU_ASSERT_TRUE(gkdc_tool_hex_decode("00aBfF", out, sizeof(out), &len));
  CU_ASSERT_EQUAL(len, 3);
  CU_ASSERT_TRUE(hex_equals(out, len, "00abff"));
  CU_ASSERT_TRUE(gkdc_tool_hex_decode("", out, sizeof(out), &len));
  CU_ASSERT_EQUAL(len, 0);
  CU_ASSERT_FALSE(gkdc_tool_hex_decode("abc", out, sizeof(out), &len));
  CU_ASSERT_FALSE(gkdc_tool_hex_decode("zz", out, sizeof(out), &len));
  CU_ASSERT_FALSE(gkdc_tool_hex_decode("0011223344", out, sizeof(out), &len));
}

/* Adds option `number` with the text value `v` to `m`. */
static void msg_add_text(struct gkdc_coap_msg *m, uint16_t number, const char *v) {
  m->options[m->option_count].number = number;
  m->options[m->option_count].value.ptr = (const uint8_t *)v;
  m->options[m->option_count].value.len = strlen(v);
  m->option_count++;
}

static void test_location_path(void) {
  static const char slash[] = "a/b", zero[] = {'a', '\0', 'b'};
  struct gkdc_coap_msg m;
  char out[GKDC_CLIENT_LOCATION_MAX], small[8];

  memset(&m, 0, sizeof(m));
  CU_ASSERT_TRUE(gkdc_client_msg_location_path(&m, out, sizeof(out)));
  CU_ASSERT_STRING_EQUAL(out, "");

  msg_add_text(&m, GKDC_OPT_CONTENT_FORMAT, "x");
  msg_add_text(&m, GKDC_OPT_LOCATION_PATH, "ace-group");
  msg_add_text(&m, GKDC_OPT_LOCATION_PATH, "g1");
  msg_add_text(&m, GKDC_OPT_LOCATION_PATH, "nodes");
  msg_add_text(&m, GKDC_OPT_LOCATION_PATH, "node-1");
  CU_ASSERT_TRUE(gkdc_client_msg_location_path(&m, out, sizeof(out)));
  CU_ASSERT_STRING_EQUAL(out, "ace-group/g1/nodes/node-1");

  /* Too long for the buffer: "ace-group" alone needs 10 bytes. */
  CU_ASSERT_FALSE(gkdc_client_msg_location_path(&m, small, sizeof(small)));
  CU_ASSERT_STRING_EQUAL(small, "");

  msg_add_text(&m, GKDC_OPT_LOCATION_PATH, slash);
  CU_ASSERT_FALSE(gkdc_client_msg_location_path(&m, out, sizeof(out)));
  CU_ASSERT_STRING_EQUAL(out, "");

  m.option_count--;
  m.options[m.option_count].number = GKDC_OPT_LOCATION_PATH;
  m.options[m.option_count].value.ptr = (const uint8_t *)zero;
  m.options[m.option_count].value.len = sizeof(zero);
  m.option_count++;
  CU_ASSERT_FALSE(gkdc_client_msg_location_path(&m, out, sizeof(out)));
  CU_ASSERT_STRING_EQUAL(out, "");
}

/* Prints `buf` through gkdc_tool_print_redacted() into a malloc'd string. */
static char *redacted_text(const uint8_t *buf, size_t len, enum gkdc_diag_as as, int *ok) {
  char *text = NULL;
  size_t text_len = 0;
  FILE *mem = open_memstream(&text, &text_len);

  *ok = 0;
  if (mem == NULL)
    return NULL;
  *ok = gkdc_tool_print_redacted(mem, buf, len, as);
  fclose(mem);
  return text;
}

static void test_redaction(void) {
  static const uint8_t ms[16] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
                                 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0};
  static const uint8_t salt[4] = {0x5a, 0x17, 0x5a, 0x17};
  static const uint8_t d[32] = {0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7};
  uint8_t buf[512], inner[128];
  struct gkdc_cbor_enc e;
  size_t len = 0, inner_len = 0;
  char *text;
  int ok;

  /* Access Information: {1: h'..', 8: {4: {0: h'01', 2: ms, 6: salt}},
   * 41: {1: {1: 4, -1: ms}}} */
  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cbor_enc_put_map(&e, 3);
  gkdc_cbor_enc_put_int(&e, 1);
  gkdc_cbor_enc_put_bstr(&e, salt, sizeof(salt));
  gkdc_cbor_enc_put_int(&e, 8);
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_int(&e, 4);
  gkdc_cbor_enc_put_map(&e, 3);
  gkdc_cbor_enc_put_int(&e, 0);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
  gkdc_cbor_enc_put_int(&e, 2);
  gkdc_cbor_enc_put_bstr(&e, ms, sizeof(ms));
  gkdc_cbor_enc_put_int(&e, 6);
  gkdc_cbor_enc_put_bstr(&e, salt, sizeof(salt));
  gkdc_cbor_enc_put_int(&e, 41);
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_int(&e, 1);
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_int(&e, 1);
  gkdc_cbor_enc_put_int(&e, 4);
  gkdc_cbor_enc_put_int(&e, -1);
  gkdc_cbor_enc_put_bstr(&e, ms, 8);
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_enc_finish(&e, &len), GKDC_CBOR_OK);
  text = redacted_text(buf, len, GKDC_DIAG_AS_ACE, &ok);
  CU_ASSERT_TRUE(ok);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT_PTR_NULL(strstr(text, "a1a2a3a4"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "h'' / 16 bytes redacted /"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "h'' / 8 bytes redacted /"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "5a175a17"));
  CU_ASSERT_PTR_NULL(strstr(text, "gkdc-redacted"));
  free(text);

  /* Groupcomm: {8: {2: ms}, 33: ms, 3: <<{1: 2, -4: d}>>} */
  gkdc_cbor_enc_init(&e, inner, sizeof(inner));
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_int(&e, 1);
  gkdc_cbor_enc_put_int(&e, 2);
  gkdc_cbor_enc_put_int(&e, -4);
  gkdc_cbor_enc_put_bstr(&e, d, sizeof(d));
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_enc_finish(&e, &inner_len), GKDC_CBOR_OK);
  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cbor_enc_put_map(&e, 3);
  gkdc_cbor_enc_put_int(&e, 8);
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_int(&e, 2);
  gkdc_cbor_enc_put_bstr(&e, ms, sizeof(ms));
  gkdc_cbor_enc_put_int(&e, 33);
  gkdc_cbor_enc_put_bstr(&e, ms, 12);
  gkdc_cbor_enc_put_int(&e, 3);
  gkdc_cbor_enc_put_bstr(&e, inner, inner_len);
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_enc_finish(&e, &len), GKDC_CBOR_OK);
  text = redacted_text(buf, len, GKDC_DIAG_AS_GROUPCOMM, &ok);
  CU_ASSERT_TRUE(ok);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT_PTR_NULL(strstr(text, "a1a2a3a4"));
  CU_ASSERT_PTR_NULL(strstr(text, "d0d1d2d3"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "h'' / 16 bytes redacted /"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "h'' / 12 bytes redacted /"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "h'' / 32 bytes redacted /"));
  free(text);

  /* Not CBOR: nothing printed. */
  text = redacted_text((const uint8_t *)"\xa1\x01", 2, GKDC_DIAG_AS_AUTO, &ok);
  CU_ASSERT_FALSE(ok);
  CU_ASSERT_TRUE(text == NULL || text[0] == '\0');
  free(text);
}

int main(void) {
  CU_pSuite suite, host_suite, tool_suite;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("client", suite_init, suite_clean);
  if (suite == NULL ||
      CU_add_test(suite, "concurrent block-wise GETs", test_concurrent_large) == NULL ||
      CU_add_test(suite, "Block1 POST echoed", test_echo_block1) == NULL ||
      CU_add_test(suite, "deferred and 4.04", test_deferred_and_not_found) == NULL ||
      CU_add_test(suite, "observe notifications", test_observe_notifications) == NULL ||
      CU_add_test(suite, "interleaved block-wise GET", test_interleaved_blockwise) == NULL ||
      CU_add_test(suite, "cancel pending request", test_cancel_pending) == NULL ||
      CU_add_test(suite, "timeout without answer", test_timeout) == NULL ||
      CU_add_test(suite, "invalid URIs and PSKs", test_invalid_uris) == NULL ||
      CU_add_test(suite, "DTLS PSK session", test_dtls_psk) == NULL) {
    CU_cleanup_registry();
    return 1;
  }
  tool_suite = CU_add_suite("client tool parsing", NULL, NULL);
  if (tool_suite == NULL || CU_add_test(tool_suite, "scope text", test_scope_text) == NULL ||
      CU_add_test(tool_suite, "hex decoding", test_hex_decode) == NULL ||
      CU_add_test(tool_suite, "Location-Path joined", test_location_path) == NULL ||
      CU_add_test(tool_suite, "secrets redacted", test_redaction) == NULL) {
    CU_cleanup_registry();
    return 1;
  }
  host_suite = CU_add_suite("client on the host loop", host_suite_init, host_suite_clean);
  if (host_suite == NULL ||
      CU_add_test(host_suite, "requests on the host loop", test_host_loop_requests) == NULL) {
    CU_cleanup_registry();
    return 1;
  }
  return gkdc_test_run();
}
