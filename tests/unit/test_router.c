/*
 * Tests of the router (route table, dispatch, /.well-known/core), the
 * timers and the parts of the profile hooks that need no network. The
 * CoAP side is covered by tests/integration/serve.sh.
 */
#include "gkdc-test.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "coap_glue.h"
#include "internal.h"
#include "log_capture.h"

/* Ends a capture_start() and goes back to warnings and errors only. */
static void capture_stop(void) {
  gkdc_log_set_hook(NULL, NULL);
  gkdc_log_set_level(GKDC_LOG_WARNING);
}

/* Two fake owners: the router only compares the pointers. */
static gkdc_plugin *const owner_a = (gkdc_plugin *)&owner_a;
static gkdc_plugin *const owner_b = (gkdc_plugin *)&owner_b;

/* A request built from a path string, with its own segment storage. */
struct test_req {
  struct gkdc_request req;
  struct gkdc_peer peer;
  struct gkdc_bytes path[GKDC_MAX_PATH_SEGMENTS];
  struct gkdc_bytes query[1];
  char text[256];
  char query_text[64];
};

static void make_req(struct test_req *t, uint32_t method, const char *path,
                     const char *query) {
  char *p, *save = NULL;

  memset(t, 0, sizeof(*t));
  snprintf(t->text, sizeof(t->text), "%s", path);
  t->req.size = sizeof(t->req);
  t->req.method = method;
  t->req.content_format = GKDC_CF_NONE;
  t->req.accept = GKDC_CF_NONE;
  t->req.observe = GKDC_OBSERVE_NONE;
  t->req.path = t->path;
  t->req.query = t->query;
  t->peer.size = sizeof(t->peer);
  t->peer.transport = GKDC_TRANSPORT_LOCAL;
  t->peer.address = "local";
  t->req.peer = &t->peer;

  for (p = strtok_r(t->text, "/", &save); p != NULL; p = strtok_r(NULL, "/", &save)) {
    t->path[t->req.path_count].ptr = (const uint8_t *)p;
    t->path[t->req.path_count].len = strlen(p);
    t->req.path_count++;
  }
  if (query != NULL) {
    snprintf(t->query_text, sizeof(t->query_text), "%s", query);
    t->query[0].ptr = (const uint8_t *)t->query_text;
    t->query[0].len = strlen(t->query_text);
    t->req.query_count = 1;
  }
}

/* Handler that responds 2.05 with its argument (a string) as the body. */
static int answer_arg(void *arg, const struct gkdc_request *req,
                      struct gkdc_response *resp) {
  const char *name = arg;

  gkdc_response_set(resp, GKDC_CODE(2, 5), 0, (const uint8_t *)name, strlen(name));
  return GKDC_HANDLED;
}

/* Handler that returns without setting a response code. */
static int answer_nothing(void *arg, const struct gkdc_request *req,
                          struct gkdc_response *resp) {
  return GKDC_HANDLED;
}

/* Handler that tries to defer, which needs a CoAP exchange. */
static int try_defer(void *arg, const struct gkdc_request *req,
                     struct gkdc_response *resp) {
  gkdc_deferred **out = arg;

  *out = gkdc_coap_defer(req);
  return GKDC_DEFERRED;
}

static struct gkdc_route route(const char *path, uint32_t methods, uint32_t flags,
                               const char *attrs, gkdc_handler_fn fn, void *arg) {
  struct gkdc_route r;

  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.path = path;
  r.methods = methods;
  r.flags = flags;
  r.link_attrs = attrs;
  r.handler = fn;
  r.arg = arg;
  return r;
}

#define GET_BIT GKDC_METHOD_BIT(GKDC_GET)

/* Dispatches and returns the code; the body goes to body (NUL-terminated). */
static uint8_t dispatch(uint32_t method, const char *path, const char *query,
                        char *body, size_t cap) {
  struct test_req t;
  struct gkdc_response resp;
  uint8_t code;

  make_req(&t, method, path, query);
  gkdc_response_init(&resp);
  gkdc_router_dispatch(&t.req, &resp);
  code = resp.code;
  if (body != NULL && cap > 0) {
    size_t n = resp.payload_len < cap - 1 ? resp.payload_len : cap - 1;

    if (n > 0)
      memcpy(body, resp.payload, n);
    body[n] = '\0';
  }
  gkdc_response_clear(&resp);
  return code;
}

static void test_route_add_validation(void) {
  static const char *const invalid[] = {
      "", "/a", "a/", "a//b", "a?b", "a#b", "a b", ".well-known/core",
      "1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17",
  };
  struct gkdc_route r;
  size_t i;

  gkdc_router_clear();
  for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
    r = route(invalid[i], GET_BIT, 0, NULL, answer_arg, "x");
    CU_ASSERT_EQUAL(gkdc_router_add(owner_a, &r), 0);
  }

  capture_start();
  r = route("a", GET_BIT, 0, NULL, NULL, "x");
  CU_ASSERT_EQUAL(gkdc_router_add(owner_a, &r), 0);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "a has no handler"));
  r = route("a", 0, 0, NULL, answer_arg, "x");
  CU_ASSERT_EQUAL(gkdc_router_add(owner_a, &r), 0);
  r = route("a", GKDC_METHOD_BIT(9), 0, NULL, answer_arg, "x");
  CU_ASSERT_EQUAL(gkdc_router_add(owner_a, &r), 0);
  r = route("a", GET_BIT, 0x80, NULL, answer_arg, "x");
  CU_ASSERT_EQUAL(gkdc_router_add(owner_a, &r), 0);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "a has invalid methods 0x200"));
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "a has unknown flags 0x80"));
  capture_stop();
  r = route("a", GET_BIT, 0, NULL, answer_arg, "x");
  r.size = 4;
  CU_ASSERT_EQUAL(gkdc_router_add(owner_a, &r), 0);
  CU_ASSERT_EQUAL(gkdc_router_add(owner_a, NULL), 0);

  r = route("a/b-c_d.e~f", GET_BIT, 0, NULL, answer_arg, "x");
  CU_ASSERT_EQUAL(gkdc_router_add(owner_a, &r), 1);
  CU_ASSERT_EQUAL(gkdc_router_add(owner_b, &r), 0);
  gkdc_router_clear();
}

static void test_dispatch_longest_match(void) {
  struct gkdc_route r;
  char body[64];

  gkdc_router_clear();
  r = route("x", GET_BIT, GKDC_ROUTE_PREFIX, NULL, answer_arg, "x");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));
  r = route("x/y", GET_BIT, GKDC_ROUTE_PREFIX, NULL, answer_arg, "x/y");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));
  r = route("p", GET_BIT, 0, NULL, answer_arg, "p");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));

  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "x", NULL, body, sizeof(body)), GKDC_CODE(2, 5));
  CU_ASSERT_STRING_EQUAL(body, "x");
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "x/q", NULL, body, sizeof(body)), GKDC_CODE(2, 5));
  CU_ASSERT_STRING_EQUAL(body, "x");
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "x/y", NULL, body, sizeof(body)), GKDC_CODE(2, 5));
  CU_ASSERT_STRING_EQUAL(body, "x/y");
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "x/y/z/w", NULL, body, sizeof(body)),
                  GKDC_CODE(2, 5));
  CU_ASSERT_STRING_EQUAL(body, "x/y");
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "p", NULL, body, sizeof(body)), GKDC_CODE(2, 5));
  CU_ASSERT_STRING_EQUAL(body, "p");

  /* An exact route does not match below itself, nor a longer segment. */
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "p/q", NULL, NULL, 0), GKDC_CODE(4, 4));
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "xy", NULL, NULL, 0), GKDC_CODE(4, 4));
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "", NULL, NULL, 0), GKDC_CODE(4, 4));
  gkdc_router_clear();
}

static void test_dispatch_errors(void) {
  struct gkdc_route r;

  gkdc_router_clear();
  r = route("g", GET_BIT, 0, NULL, answer_arg, "g");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));
  r = route("silent", GET_BIT, 0, NULL, answer_nothing, NULL);
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));

  CU_ASSERT_EQUAL(dispatch(GKDC_POST, "g", NULL, NULL, 0), GKDC_CODE(4, 5));
  CU_ASSERT_EQUAL(dispatch(GKDC_DELETE, "g", NULL, NULL, 0), GKDC_CODE(4, 5));
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "missing", NULL, NULL, 0), GKDC_CODE(4, 4));

  capture_start();
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "silent", NULL, NULL, 0), GKDC_CODE(5, 0));
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_ERR), 1);
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "without a response code"));
  capture_stop();
  gkdc_router_clear();
}

static void test_route_remove(void) {
  struct gkdc_route r;

  gkdc_router_clear();
  r = route("a", GET_BIT, 0, NULL, answer_arg, "a");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));
  r = route("b", GET_BIT, 0, NULL, answer_arg, "b");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));
  r = route("c", GET_BIT, 0, NULL, answer_arg, "c");
  CU_ASSERT_FATAL(gkdc_router_add(owner_b, &r));

  CU_ASSERT_EQUAL(gkdc_router_remove(owner_b, "a"), 0);
  CU_ASSERT_EQUAL(gkdc_router_remove(owner_a, "a"), 1);
  CU_ASSERT_EQUAL(gkdc_router_remove(owner_a, "a"), 0);
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "a", NULL, NULL, 0), GKDC_CODE(4, 4));

  gkdc_router_remove_owner(owner_a);
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "b", NULL, NULL, 0), GKDC_CODE(4, 4));
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, "c", NULL, NULL, 0), GKDC_CODE(2, 5));

  /* A removed path can be registered again. */
  r = route("a", GET_BIT, 0, NULL, answer_arg, "a2");
  CU_ASSERT_EQUAL(gkdc_router_add(owner_b, &r), 1);
  gkdc_router_clear();
}

static void test_well_known_core(void) {
  struct gkdc_route r;
  char body[512];

  gkdc_router_clear();
  CU_ASSERT_EQUAL(dispatch(GKDC_GET, ".well-known/core", NULL, body, sizeof(body)),
                  GKDC_CODE(2, 5));
  CU_ASSERT_STRING_EQUAL(body, "");

  r = route("ace-group", GET_BIT, GKDC_ROUTE_PREFIX, "rt=\"core.osc.gm\";ct=261",
            answer_arg, "g");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));
  r = route("authz-info", GKDC_METHOD_BIT(GKDC_POST), 0, "rt=\"ace.ai core.x\"",
            answer_arg, "ai");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));
  r = route("secret", GET_BIT, GKDC_ROUTE_HIDDEN, "rt=\"hidden\"", answer_arg, "s");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));
  r = route("plain", GET_BIT, 0, NULL, answer_arg, "p");
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));

  CU_ASSERT_EQUAL(dispatch(GKDC_GET, ".well-known/core", NULL, body, sizeof(body)),
                  GKDC_CODE(2, 5));
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "</ace-group>;rt=\"core.osc.gm\";ct=261"));
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "</authz-info>;rt=\"ace.ai core.x\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "</plain>"));
  CU_ASSERT_PTR_NULL(strstr(body, "</plain>;"));
  CU_ASSERT_PTR_NULL(strstr(body, "secret"));

  dispatch(GKDC_GET, ".well-known/core", "rt=core.osc.gm", body, sizeof(body));
  CU_ASSERT_STRING_EQUAL(body, "</ace-group>;rt=\"core.osc.gm\";ct=261");
  dispatch(GKDC_GET, ".well-known/core", "rt=core.x", body, sizeof(body));
  CU_ASSERT_STRING_EQUAL(body, "</authz-info>;rt=\"ace.ai core.x\"");
  dispatch(GKDC_GET, ".well-known/core", "rt=core*", body, sizeof(body));
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "</ace-group>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "</authz-info>"));
  CU_ASSERT_PTR_NULL(strstr(body, "</plain>"));
  dispatch(GKDC_GET, ".well-known/core", "href=/plain", body, sizeof(body));
  CU_ASSERT_STRING_EQUAL(body, "</plain>");
  dispatch(GKDC_GET, ".well-known/core", "href=/a*", body, sizeof(body));
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "</ace-group>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(body, "</authz-info>"));
  CU_ASSERT_PTR_NULL(strstr(body, "</plain>"));
  dispatch(GKDC_GET, ".well-known/core", "ct=261", body, sizeof(body));
  CU_ASSERT_STRING_EQUAL(body, "</ace-group>;rt=\"core.osc.gm\";ct=261");
  dispatch(GKDC_GET, ".well-known/core", "rt=hidden", body, sizeof(body));
  CU_ASSERT_STRING_EQUAL(body, "");
  dispatch(GKDC_GET, ".well-known/core", "nonsense", body, sizeof(body));
  CU_ASSERT_STRING_EQUAL(body, "");

  CU_ASSERT_EQUAL(dispatch(GKDC_POST, ".well-known/core", NULL, NULL, 0), GKDC_CODE(4, 5));
  gkdc_router_clear();
}

static void test_inner_dispatch_cannot_defer(void) {
  struct gkdc_route r;
  struct test_req t;
  struct gkdc_response resp;
  gkdc_deferred *handle = (gkdc_deferred *)&handle;

  gkdc_router_clear();
  r = route("slow", GET_BIT, 0, NULL, try_defer, &handle);
  CU_ASSERT_FATAL(gkdc_router_add(owner_a, &r));

  make_req(&t, GKDC_GET, "slow", NULL);
  gkdc_response_init(&resp);
  capture_start();
  CU_ASSERT_EQUAL(gkdc_coap_dispatch_inner(&t.req, &resp), 0);
  CU_ASSERT_PTR_NULL(handle);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(5, 0));
  capture_stop();
  gkdc_response_clear(&resp);

  make_req(&t, GKDC_GET, "missing", NULL);
  gkdc_response_init(&resp);
  CU_ASSERT_EQUAL(gkdc_coap_dispatch_inner(&t.req, &resp), 1);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 4));
  gkdc_response_clear(&resp);
  gkdc_router_clear();
}

static void noop_intercept(void *arg, gkdc_exchange *x, const struct gkdc_coap_msg *msg,
                           const struct gkdc_peer *peer) {
}

static void test_intercept_single_owner(void) {
  capture_start();
  CU_ASSERT_EQUAL(gkdc_coap_intercept_add(owner_a, NULL, NULL), 0);
  CU_ASSERT_EQUAL(gkdc_coap_intercept_add(owner_a, noop_intercept, NULL), 1);
  CU_ASSERT_EQUAL(gkdc_coap_intercept_add(owner_b, noop_intercept, NULL), 0);
  CU_ASSERT(capture_index("an OSCORE interceptor is already registered; only one "
                          "profile plugin can handle OSCORE requests") >= 0);
  capture_stop();
  gkdc_coap_intercept_remove_owner(owner_b);
  CU_ASSERT_EQUAL(gkdc_coap_intercept_add(owner_b, noop_intercept, NULL), 0);
  gkdc_coap_intercept_remove_owner(owner_a);
  CU_ASSERT_EQUAL(gkdc_coap_intercept_add(owner_b, noop_intercept, NULL), 1);
  gkdc_coap_intercept_remove_owner(owner_b);
  CU_ASSERT_EQUAL(gkdc_coap_exchange_reply(NULL, NULL), 0);
}

static void test_notification_type(void) {
  uint64_t last_con = 0;

  CU_ASSERT_EQUAL(gkdc_coap_notification_type(&last_con), COAP_MESSAGE_CON);
  CU_ASSERT_NOT_EQUAL(last_con, 0);
  CU_ASSERT_EQUAL(gkdc_coap_notification_type(&last_con), COAP_MESSAGE_NON);
  CU_ASSERT_EQUAL(gkdc_coap_notification_type(&last_con), COAP_MESSAGE_NON);

  /* 100 s after the last CON the next one is CON again. */
  last_con -= 100000;
  CU_ASSERT_EQUAL(gkdc_coap_notification_type(&last_con), COAP_MESSAGE_CON);
  CU_ASSERT_EQUAL(gkdc_coap_notification_type(&last_con), COAP_MESSAGE_NON);
}

/* ---- timers ---- */

static char fired[16];
static size_t fired_count;
static uint64_t self_cancel_id;

static void record(void *arg) {
  if (fired_count < sizeof(fired) - 1)
    fired[fired_count++] = *(const char *)arg;
  fired[fired_count] = '\0';
}

static void record_and_cancel(void *arg) {
  record(arg);
  gkdc_timer_cancel(self_cancel_id);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

/* Runs due timers for about `ms` milliseconds. */
static void run_for(long ms) {
  uint64_t end = gkdc_timer_now_ms() + (uint64_t)ms;

  while (gkdc_timer_now_ms() < end) {
    gkdc_timer_run_due();
    sleep_ms(2);
  }
  gkdc_timer_run_due();
}

static void reset_timers(void) {
  gkdc_timer_cancel_all();
  fired_count = 0;
  fired[0] = '\0';
}

static void test_timer_order(void) {
  reset_timers();
  CU_ASSERT_EQUAL(gkdc_timer_next_delay(), UINT64_MAX);
  CU_ASSERT_NOT_EQUAL(gkdc_timer_add(owner_a, 40, 0, record, "b"), 0);
  CU_ASSERT_NOT_EQUAL(gkdc_timer_add(owner_a, 10, 0, record, "a"), 0);
  CU_ASSERT(gkdc_timer_next_delay() <= 10);
  CU_ASSERT_EQUAL(gkdc_timer_add(owner_a, 10, 0, NULL, "x"), 0);

  gkdc_timer_run_due();
  CU_ASSERT_STRING_EQUAL(fired, "");
  run_for(80);
  CU_ASSERT_STRING_EQUAL(fired, "ab");
  CU_ASSERT_EQUAL(gkdc_timer_next_delay(), UINT64_MAX);
}

static void test_timer_cancel(void) {
  uint64_t id;

  reset_timers();
  id = gkdc_timer_add(owner_a, 5, 0, record, "a");
  CU_ASSERT_NOT_EQUAL(id, 0);
  gkdc_timer_add(owner_b, 5, 0, record, "b");
  gkdc_timer_add(owner_a, 5, 0, record, "c");
  gkdc_timer_cancel(id);
  gkdc_timer_cancel(id);
  gkdc_timer_cancel(0);
  gkdc_timer_cancel_owner(owner_a);
  run_for(30);
  CU_ASSERT_STRING_EQUAL(fired, "b");
}

static void test_timer_repeat(void) {
  uint64_t deadline;

  reset_timers();
  self_cancel_id = 0;
  gkdc_timer_add(owner_a, 5, 1, record, "r");

  /* Three firings take 15 ms; a loaded machine (the sanitizer build next
   * to other jobs) can stall the loop longer, so wait up to 2 s. */
  deadline = gkdc_timer_now_ms() + 2000;
  while (fired_count < 3 && gkdc_timer_now_ms() < deadline)
    run_for(10);
  CU_ASSERT(fired_count >= 3);
  gkdc_timer_cancel_owner(owner_a);

  /* A repeating timer that cancels itself fires once. */
  reset_timers();
  self_cancel_id = gkdc_timer_add(owner_a, 5, 1, record_and_cancel, "s");
  run_for(40);
  CU_ASSERT_STRING_EQUAL(fired, "s");
  CU_ASSERT_EQUAL(gkdc_timer_next_delay(), UINT64_MAX);
}

/* ---- libcoap's log lines ---- */

static void libcoap_to_gkdc_log(coap_log_t level, const char *message) {
  gkdc_log_libcoap((int)level, message);
}

/* Dumps a 2.05 response with `payload` through libcoap's own PDU dump. */
static void dump_response(uint16_t content_format, const char *payload) {
  coap_pdu_t *pdu = coap_pdu_init(COAP_MESSAGE_ACK, COAP_RESPONSE_CODE(205), 0x1234, 1024);
  uint8_t buf[4];

  CU_ASSERT_PTR_NOT_NULL_FATAL(pdu);
  coap_add_token(pdu, 2, (const uint8_t *)"\x0b\x71");
  coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
                  coap_encode_var_safe(buf, sizeof(buf), content_format), buf);
  coap_add_data(pdu, strlen(payload), (const uint8_t *)payload);
  coap_show_pdu(LOG_DEBUG, pdu);
  coap_delete_pdu(pdu);
}

/* True when no captured line contains `text`. */
static int capture_lacks(const char *text) {
  return capture_find(0, text) == NULL;
}

/*
 * libcoap's message dumps, at debug level, show the payload, which over
 * DTLS is plaintext and can hold keys (the Master Secret of a /token
 * response). The log keeps the header and options of the message and drops
 * the payload.
 */
static void test_libcoap_dump_hides_payload(void) {
  coap_startup();
  coap_set_log_handler(libcoap_to_gkdc_log);
  coap_set_show_pdu_output(0);
  coap_set_log_level(LOG_DEBUG);
  capture_start();

  /* A binary payload (application/cbor): libcoap prints hex and text lines. */
  dump_response(60, "KEYMATERIAL-0123456789");
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_DEBUG, "c:2.05"));
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_DEBUG, "binary data length 22"));
  CU_ASSERT_TRUE(capture_lacks("4b45594d4154455249414c"));
  CU_ASSERT_TRUE(capture_lacks("K E Y"));
  CU_ASSERT_TRUE(capture_lacks("KEYMATERIAL"));
  CU_ASSERT_TRUE(capture_lacks("<<"));

  /* A text payload: libcoap prints it in quotes on the header line. */
  captured_count = 0;
  dump_response(0, "secret-password-text");
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_DEBUG, "c:2.05"));
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_DEBUG, "text payload not logged"));
  CU_ASSERT_TRUE(capture_lacks("secret-password-text"));

  /* Other libcoap lines pass unchanged, at the matching gkdc level. */
  captured_count = 0;
  gkdc_log_libcoap(LOG_WARNING, "coap_pdu_resize: pdu too big\n");
  gkdc_log_libcoap(LOG_EMERG, "fatal\n");
  gkdc_log_libcoap(LOG_DEBUG + 2, "cipher\n");
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_WARNING, "coap_pdu_resize: pdu too big"));
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_ERR, "fatal"));
  CU_ASSERT_PTR_NOT_NULL(capture_find(GKDC_LOG_DEBUG, "cipher"));
  CU_ASSERT_EQUAL(capture_index("coap_pdu_resize: pdu too big"), 0);

  capture_stop();
  coap_set_log_level(LOG_WARNING);
  coap_cleanup();
}

/* Any peer can send malformed datagrams, and libcoap warns about each one
 * without naming the sender: only the first 20 lines in a minute are kept. */
static void test_libcoap_malformed_rate_limit(void) {
  int i;

  capture_start();
  for (i = 0; i < 50; i++) {
    gkdc_log_libcoap(LOG_WARNING, "coap_pdu_parse: 0.01: offset 0 option 6 has bad length 4\n");
    gkdc_log_libcoap(LOG_WARNING, "discard malformed PDU\n");
  }
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_WARNING), 20);

  /* Other warnings are not limited. */
  gkdc_log_libcoap(LOG_WARNING, "coap_pdu_resize: pdu too big\n");
  CU_ASSERT_EQUAL(capture_count_level(GKDC_LOG_WARNING), 21);
  capture_stop();
}

int main(void) {
  CU_pSuite suite;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  gkdc_log_open("stderr", GKDC_LOG_WARNING);

  suite = CU_add_suite("router", NULL, NULL);
  CU_add_test(suite, "route add validation", test_route_add_validation);
  CU_add_test(suite, "dispatch longest match", test_dispatch_longest_match);
  CU_add_test(suite, "dispatch errors", test_dispatch_errors);
  CU_add_test(suite, "route remove", test_route_remove);
  CU_add_test(suite, "well-known core listing", test_well_known_core);
  CU_add_test(suite, "inner dispatch cannot defer", test_inner_dispatch_cannot_defer);
  CU_add_test(suite, "intercept single owner", test_intercept_single_owner);
  CU_add_test(suite, "notification type CON then NON", test_notification_type);
  CU_add_test(suite, "libcoap dump hides payload", test_libcoap_dump_hides_payload);
  CU_add_test(suite, "libcoap malformed rate limit", test_libcoap_malformed_rate_limit);

  suite = CU_add_suite("timer", NULL, NULL);
  CU_add_test(suite, "timer order", test_timer_order);
  CU_add_test(suite, "timer cancel", test_timer_cancel);
  CU_add_test(suite, "timer repeat", test_timer_repeat);

  return gkdc_test_run();
}
