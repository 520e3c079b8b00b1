/*
 * Tests of the profile-oscore plugin shell: its descriptor, its init
 * against a host with and without the interceptor hooks, and the
 * unprotected OSCORE-layer errors its interceptor sends.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <gkdc/profile.h>

#include "oscore.h"

static void *dl;
static const struct gkdc_plugin_desc *desc;

/* What the fake host captured. */
static gkdc_intercept_fn intercept_fn;
static void *intercept_arg;
static int replies;
static uint8_t reply_code;
static int reply_has_max_age0;
static char reply_payload[128];
static int dispatches;

static void fake_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap)
{
  (void)self;
  (void)level;
  (void)fmt;
  (void)ap;
}

static void fake_log(gkdc_plugin *self, int level, const char *fmt, ...)
{
  (void)self;
  (void)level;
  (void)fmt;
}

static int fake_intercept_add(gkdc_plugin *self, gkdc_intercept_fn fn, void *arg)
{
  (void)self;
  intercept_fn = fn;
  intercept_arg = arg;
  return 1;
}

static int fake_exchange_reply(gkdc_exchange *x, const struct gkdc_coap_msg *msg)
{
  const struct gkdc_coap_option *o;

  (void)x;
  replies++;
  reply_code = msg->code;
  o = gkdc_oscore_msg_find(msg, GKDC_OPT_MAX_AGE);
  reply_has_max_age0 = o != NULL && o->value.len == 0;
  memset(reply_payload, 0, sizeof(reply_payload));
  if (msg->payload.len < sizeof(reply_payload))
    memcpy(reply_payload, msg->payload.ptr, msg->payload.len);
  return 1;
}

static int fake_dispatch(const struct gkdc_request *req, struct gkdc_response *resp)
{
  (void)req;
  dispatches++;
  return gkdc_response_set(resp, GKDC_CODE(2, 5), GKDC_CF_NONE, NULL, 0);
}

static struct gkdc_host_api host_api = {
  .size = sizeof(struct gkdc_host_api),
  .abi_minor = GKDC_ABI_MINOR,
  .log = fake_log,
  .vlog = fake_vlog,
  .intercept_add = fake_intercept_add,
  .exchange_reply = fake_exchange_reply,
  .dispatch = fake_dispatch,
};

static void test_descriptor(void)
{
  const struct gkdc_profile_ops *ops;

  CU_ASSERT_PTR_NOT_NULL_FATAL(desc);
  CU_ASSERT_EQUAL(desc->abi_major, GKDC_ABI_MAJOR);
  CU_ASSERT_EQUAL(desc->build_signature, GKDC_BUILD_SIGNATURE);
  CU_ASSERT_EQUAL(desc->kind, GKDC_PLUGIN_PROFILE);
  CU_ASSERT_STRING_EQUAL(desc->name, "profile-oscore");
  ops = desc->ops;
  CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
  CU_ASSERT(ops->size >= offsetof(struct gkdc_profile_ops, ace_profile) + sizeof(char *));
  CU_ASSERT_STRING_EQUAL(ops->ace_profile, "coap_oscore");
}

static void test_init_needs_hooks(void)
{
  struct gkdc_host_api old_host = host_api;
  void *state = NULL;

  /* A host of an older minor version, whose table ends before the hooks. */
  old_host.size = offsetof(struct gkdc_host_api, intercept_add);
  intercept_fn = NULL;
  CU_ASSERT_FALSE(desc->init(NULL, &old_host, &state));
  CU_ASSERT_PTR_NULL(intercept_fn);
}

/* Feeds a datagram given in hex to the interceptor. */
static void feed(const char *hex)
{
  uint8_t wire[256];
  size_t n = strlen(hex) / 2;
  size_t i;
  struct gkdc_coap_msg msg;
  struct gkdc_peer peer;

  for (i = 0; i < n; i++) {
    unsigned v;

    sscanf(hex + 2 * i, "%2x", &v);
    wire[i] = (uint8_t)v;
  }
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(wire, n, &msg));
  memset(&peer, 0, sizeof(peer));
  peer.size = sizeof(peer);
  peer.transport = GKDC_TRANSPORT_UDP;
  peer.address = "127.0.0.1:5683";
  intercept_fn(intercept_arg, NULL, &msg, &peer);
}

static void test_interceptor_errors(void)
{
  void *state = NULL;

  CU_ASSERT_FATAL(desc->init(NULL, &host_api, &state));
  CU_ASSERT_PTR_NOT_NULL_FATAL(intercept_fn);

  /* RFC 8613 C.4 request: no context for kid h'' yet. */
  replies = 0;
  feed("44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e");
  CU_ASSERT_EQUAL(replies, 1);
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 1));
  CU_ASSERT(reply_has_max_age0);
  CU_ASSERT_STRING_EQUAL(reply_payload, "Security context not found");

  /* Reserved flag bit: 4.02. */
  feed("44025d1f00003974396c6f63616c686f737461" "80" "ff612f1092f1776f1c1668b3825e");
  CU_ASSERT_EQUAL(replies, 2);
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 2));
  CU_ASSERT_STRING_EQUAL(reply_payload, "Failed to decode COSE");

  /* A request option without a kid: 4.02. */
  feed("44025d1f00003974396c6f63616c686f737462" "0114" "ff612f1092f1776f1c1668b3825e");
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 2));

  /* n = 1 but the Partial IV missing: 4.02. */
  feed("44025d1f00003974396c6f63616c686f737461" "01" "ff612f1092f1776f1c1668b3825e");
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 2));
  CU_ASSERT_EQUAL(replies, 4);
  CU_ASSERT_EQUAL(dispatches, 0);

  desc->fini(state);
}

int main(void)
{
  const char *path = TOP_BUILDDIR "/plugins/profile-oscore/.libs/profile-oscore.so";
  gkdc_plugin_entry_fn entry;
  CU_pSuite suite;
  unsigned failures;

  dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (dl == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    return 1;
  }
  entry = (gkdc_plugin_entry_fn)dlsym(dl, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL) {
    fprintf(stderr, "%s exports no %s\n", path, GKDC_PLUGIN_ENTRY_NAME);
    return 1;
  }
  desc = entry();

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("profile-oscore", NULL, NULL);
  if (suite == NULL || CU_add_test(suite, "descriptor", test_descriptor) == NULL ||
      CU_add_test(suite, "init needs host hooks", test_init_needs_hooks) == NULL ||
      CU_add_test(suite, "interceptor OSCORE errors", test_interceptor_errors) == NULL)
    return 1;

  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  CU_cleanup_registry();
  if (getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(dl);
  return failures == 0 ? 0 : 1;
}
