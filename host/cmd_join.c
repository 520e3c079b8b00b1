/*
 * `gkdc join`: the joining node. This first part sets up the OSCORE
 * security context with the KDC (RFC 9203) and uses it:
 *
 *   gkdc join --token FILE --rs coap://HOST:PORT [--listen URI]
 *             [--sign-info] [--ecdh-info] [--get PATH]... [--until-context]
 *             [--group NAME [--roles N] [--key FILE] ...]
 *
 * 1. Reads the Access Information that `gkdc token --out FILE` wrote.
 * 2. Starts a session of the coap_oscore profile plugin from the
 *    access_token and cnf, and POSTs its Token Transfer Request
 *    {1: access_token, 40: nonce1, 43: ace_client_recipientid} (plus
 *    sign_info 45 and ecdh_info 47 as null on request) to /authz-info.
 * 3. Hands the 2.01 payload {42: nonce2, 44: ace_server_recipientid, ...}
 *    to the profile, which derives the OSCORE context (RFC 9203
 *    section 4.3), and prints the KDC's parameters.
 * 4. Sends each --get as an OSCORE-protected GET and checks that the
 *    response is protected and verifies; --observe does the same for each
 *    notification of an observation.
 * 5. With --group NAME, joins the OSCORE group at the KDC over the
 *    context (RFC 9594 section 4.3.1) and checks the KDC's PoP. It then
 *    derives the Group OSCORE context and runs the node operations that
 *    the flags select (see join_group.h).
 * 6. Unless --until-context is given, keeps serving the --listen endpoint
 *    until SIGINT or SIGTERM: requests protected with the context reach the
 *    process's routes through the profile plugin's interceptor.
 *
 * The process loads plugins like `gkdc serve`: from --config FILE, or the
 * built-in list alg-boringssl, profile-oscore, credfmt-ccs, pop-sign.
 */
#include <config.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/appprofile.h>
#include <gkdc/as.h>
#include <gkdc/cbor.h>
#include <gkdc/client.h>
#include <gkdc/crypto.h>
#include <gkdc/kdc.h>
#include <gkdc/pop.h>
#include <gkdc/profile.h>

#include "client_tool.h"
#include "commands.h"
#include "internal.h"
#include "join_group.h"

#define TOKEN_FILE_MAX (64 * 1024)
#define UPLOAD_MAX (16 * 1024)
#define MAX_GETS 8
#define JOIN_TIMEOUT_MS 15000

/* The long options without a short form. */
enum {
  OPT_GROUP = 1000,
  OPT_ROLES,
  OPT_KEY,
  OPT_MONITOR,
  OPT_VERIFIER,
  OPT_NODE,
  OPT_RENEW_SID,
  OPT_NEW_CRED,
  OPT_REFRESH,
  OPT_LEAVE,
  OPT_OUT,
  OPT_JAVA,
};

struct join_args {
  const char *token_file;
  const char *rs_uri;
  const char *listen_uri;
  const char *config_file;
  const char *endpoints_file;
  const char *gets[MAX_GETS];
  size_t get_count;
  const char *observe_path;
  long notifications;
  int ask_sign_info;
  int ask_ecdh_info;
  int until_context;
  int verbose;
  struct gkdc_join_group_run_args group; /* the group part; no group name: skipped */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int signo) {
  stop_requested = signo;
}

static void print_usage(FILE *out) {
  fprintf(out,
          "Usage: gkdc join --token FILE --rs URI [--listen URI [--endpoints-file FILE]]\n"
          "                 [--config FILE]\n"
          "                 [--sign-info] [--ecdh-info] [--get PATH]... [--observe PATH\n"
          "                 [--notifications N]] [--until-context] [-v]\n"
          "                 [--group NAME [--roles N] [--key FILE] [--monitor | --verifier]\n"
          "                  [--node NAME] [--renew-sid] [--new-cred FILE] [--refresh]\n"
          "                  [--leave] [--out FILE] [--java]]\n"
          "\n"
          "Posts an access token to the KDC's /authz-info, derives the OSCORE security\n"
          "context of the OSCORE profile (RFC 9203) and sends protected requests on it.\n"
          "\n"
          "Options:\n"
          "  --token FILE      the Access Information that `gkdc token --out` wrote\n"
          "  --rs URI          the KDC (resource server): coap://HOST:PORT\n"
          "  --listen URI      serve protected requests on URI (coap://127.0.0.1:0)\n"
          "  --endpoints-file FILE\n"
          "                    write the bound --listen endpoint URIs to FILE\n"
          "  --config FILE     load plugins from FILE (default: built-in list)\n"
          "  --sign-info       ask for sign_info in the token upload\n"
          "  --ecdh-info       ask for ecdh_info in the token upload\n"
          "  --get PATH        send a protected GET of PATH and print the response\n"
          "                    (up to %d times)\n"
          "  --observe PATH    observe PATH with protected requests and print the\n"
          "                    notifications\n"
          "  --notifications N stop observing after N responses (default 3)\n"
          "  --until-context   exit after the context, the --get requests and the\n"
          "                    group part\n"
          "  --group NAME      join the OSCORE group NAME at the KDC over the context\n"
          "  --roles N         the roles as Tperm bits (2 requester, 4 responder,\n"
          "                    8 monitor, 16 verifier; default 6)\n"
          "  --key FILE        the node's key pair that `gkdc keygen --out` wrote\n"
          "  --monitor         join as Monitor, without a credential\n"
          "  --verifier        get the group's Signature Encryption Key as Verifier\n"
          "  --node NAME       the node name for the node operations (default: the\n"
          "                    Location-Path of the Join Response)\n"
          "  --renew-sid       ask for a new Sender ID after the join\n"
          "  --new-cred FILE   upload the credential of key pair FILE after the join\n"
          "  --refresh         fetch and apply the current keying material\n"
          "  --leave           leave the group at the end\n"
          "  --out FILE        write the Group OSCORE context to FILE (mode 0600)\n"
          "  --java            DER-encoded ECDSA PoP evidence, as Java peers expect\n"
          "  -v, --verbose     log at debug level\n"
          "  -h, --help        print this help and exit\n",
          MAX_GETS);
}

/* The parts of the Access Information a profile session starts from. */
static int parse_access_info(const uint8_t *buf, size_t len,
                             struct gkdc_profile_client_args *out) {
  struct gkdc_cbor_dec d, value;
  size_t pairs;
  int64_t expires_in = 0;

  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  if (gkdc_cbor_dec_init(&d, buf, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, &pairs)) {
    fprintf(stderr, "gkdc join: the token file is not a CBOR map\n");
    return 0;
  }
  if (!gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_ACCESS_TOKEN, &value) ||
      !gkdc_cbor_dec_get_bstr(&value, &out->access_token) || out->access_token.len == 0) {
    fprintf(stderr, "gkdc join: the token file has no access_token (1) byte string\n");
    return 0;
  }
  if (!gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_CNF, &value) ||
      gkdc_cbor_dec_peek_type(&value) != GKDC_CBOR_TYPE_MAP ||
      !gkdc_cbor_dec_get_raw(&value, &out->cnf)) {
    fprintf(stderr, "gkdc join: the token file has no cnf (8) map\n");
    return 0;
  }
  if (gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_EXPIRES_IN, &value)) {
    if (!gkdc_cbor_dec_get_int(&value, &expires_in) || expires_in < 0) {
      fprintf(stderr, "gkdc join: expires_in (2) in the token file is not a count\n");
      return 0;
    }
  }
  out->expires_in = expires_in;
  return 1;
}

/* Encodes the null sign_info and ecdh_info requests as key/value pairs. */
static size_t encode_asks(const struct join_args *a, uint8_t *buf, size_t cap, size_t *count) {
  struct gkdc_cbor_enc e;
  size_t len = 0;

  *count = 0;
  gkdc_cbor_enc_init(&e, buf, cap);
  if (a->ask_sign_info) {
    gkdc_cbor_enc_put_int(&e, GKDC_OAUTH_SIGN_INFO);
    gkdc_cbor_enc_put_null(&e);
    (*count)++;
  }
  if (a->ask_ecdh_info) {
    gkdc_cbor_enc_put_int(&e, GKDC_OSC_OAUTH_ECDH_INFO);
    gkdc_cbor_enc_put_null(&e);
    (*count)++;
  }
  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK)
    return 0;
  return len;
}

/* Prints `payload` as a line when it is printable ASCII text. */
static int print_text(const uint8_t *payload, size_t len) {
  size_t i;

  for (i = 0; i < len; i++) {
    if (payload[i] < 0x20 || payload[i] > 0x7e)
      return 0;
  }
  printf("%.*s\n", (int)len, (const char *)payload);
  return 1;
}

static void print_diag(const char *what, const uint8_t *payload, size_t len,
                       enum gkdc_diag_as as) {
  printf("%s:\n", what);
  if (len == 0)
    printf("(empty)\n");
  else if (!gkdc_tool_print_redacted(stdout, payload, len, as) && !print_text(payload, len))
    printf("(%zu bytes, neither CBOR nor text; not shown)\n", len);
  printf("\n");
}

/*
 * Posts the Token Transfer Request and sets up the security association of
 * `pc`. The Token Transfer Response stays in `reply` for the KDC's
 * parameters (kdcchallenge, sign_info, ...); the caller clears it. Returns
 * 1, or 0 after printing why.
 */
static int upload_token(const struct join_args *a, const struct gkdc_profile_ops *ops, void *st,
                        gkdc_profile_client *pc, gkdc_client *c, gkdc_client_session *s,
                        struct gkdc_tool_reply *reply) {
  uint8_t extra[16], *upload = NULL;
  size_t extra_len, extra_count, upload_len = UPLOAD_MAX;
  struct gkdc_client_msg msg;
  int ok = 0;

  memset(reply, 0, sizeof(*reply));
  extra_len = encode_asks(a, extra, sizeof(extra), &extra_count);
  upload = malloc(UPLOAD_MAX);
  if (upload == NULL)
    goto out;
  if (!ops->client_authz_info_request(st, pc, extra, extra_len, extra_count, upload,
                                      &upload_len)) {
    fprintf(stderr, "gkdc join: the profile could not build the token upload\n");
    goto out;
  }

  memset(&msg, 0, sizeof(msg));
  msg.method = GKDC_POST;
  msg.path = "authz-info";
  msg.content_format = GKDC_CF_ACE_CBOR;
  msg.accept = GKDC_CF_NONE;
  msg.payload = upload;
  msg.payload_len = upload_len;
  msg.timeout_ms = JOIN_TIMEOUT_MS;
  if (!gkdc_tool_call(c, s, &msg, reply))
    goto out;

  printf("authz-info: %d.%02d\n", GKDC_CODE_CLASS(reply->code), GKDC_CODE_DETAIL(reply->code));
  print_diag("Token Transfer Response", reply->payload, reply->payload_len, GKDC_DIAG_AS_ACE);
  if (reply->code != GKDC_CODE(2, 1)) {
    fprintf(stderr, "gkdc join: the KDC rejected the token\n");
    goto out;
  }
  if (!ops->client_authz_info_response(st, pc, reply->payload, reply->payload_len)) {
    fprintf(stderr, "gkdc join: invalid Token Transfer Response; no OSCORE context\n");
    goto out;
  }
  printf("OSCORE security context derived\n");
  ok = 1;

out:
  free(upload);
  return ok;
}

/* The state of an observation that --observe runs. */
struct observation {
  const char *path;
  long expected;
  long seen;
  int failed;
  volatile int done;
};

static void on_notification(void *arg, gkdc_client_request *req, int status,
                            const struct gkdc_client_response *resp) {
  struct observation *o = arg;

  if (status != GKDC_CLIENT_OK) {
    fprintf(stderr, "gkdc join: observation of /%s ended: %s\n", o->path,
            gkdc_client_status_str(status));
    o->failed = 1;
    o->done = 1;
    return;
  }
  printf("notification %ld of /%s: %d.%02d (%s), Observe %lld\n", o->seen + 1, o->path,
         GKDC_CODE_CLASS(resp->code), GKDC_CODE_DETAIL(resp->code),
         resp->protected_response ? "protected" : "unprotected", (long long)resp->observe);
  print_diag("payload", resp->payload, resp->payload_len, GKDC_DIAG_AS_AUTO);
  if (!resp->protected_response || GKDC_CODE_CLASS(resp->code) != 2 || resp->observe < 0) {
    fprintf(stderr, "gkdc join: /%s is not served as a protected observation\n", o->path);
    o->failed = 1;
    o->done = 1;
    return; /* without Observe or with an error, this response was the last */
  }
  o->seen++;
  if (o->seen >= o->expected) {
    gkdc_client_cancel(req);
    o->done = 1;
  }
}

/* Observes `path` with protected requests until `count` notifications
 * (the first response included) arrived. */
static int protected_observe(gkdc_client *c, gkdc_client_session *s, const char *path,
                             long count) {
  struct gkdc_client_msg msg;
  struct observation o;
  gkdc_client_request *req;

  memset(&o, 0, sizeof(o));
  o.path = path;
  o.expected = count;
  memset(&msg, 0, sizeof(msg));
  msg.method = GKDC_GET;
  msg.path = path;
  msg.content_format = GKDC_CF_NONE;
  msg.accept = GKDC_CF_NONE;
  msg.observe = 1;
  msg.timeout_ms = JOIN_TIMEOUT_MS;
  req = gkdc_client_send(s, &msg, on_notification, &o);
  if (req == NULL) {
    fprintf(stderr, "gkdc join: cannot send the observation of /%s\n", path);
    return 0;
  }
  if (!gkdc_client_run_until(c, &o.done, (uint32_t)(JOIN_TIMEOUT_MS * (count + 1)))) {
    gkdc_client_cancel(req);
    fprintf(stderr, "gkdc join: %ld of %ld notifications of /%s arrived in time\n", o.seen,
            count, path);
    return 0;
  }
  return !o.failed;
}

/* Sends a protected GET and checks that the response is protected. */
static int protected_get(gkdc_client *c, gkdc_client_session *s, const char *path) {
  struct gkdc_client_msg msg;
  struct gkdc_tool_reply reply;
  int ok = 0;

  memset(&msg, 0, sizeof(msg));
  msg.method = GKDC_GET;
  msg.path = path;
  msg.content_format = GKDC_CF_NONE;
  msg.accept = GKDC_CF_NONE;
  msg.timeout_ms = JOIN_TIMEOUT_MS;
  if (!gkdc_tool_call(c, s, &msg, &reply))
    return 0;

  printf("GET /%s: %d.%02d (%s)\n", path, GKDC_CODE_CLASS(reply.code),
         GKDC_CODE_DETAIL(reply.code), reply.protected_response ? "protected" : "unprotected");
  print_diag("payload", reply.payload, reply.payload_len, GKDC_DIAG_AS_AUTO);
  if (!reply.protected_response)
    fprintf(stderr, "gkdc join: the response to /%s was not OSCORE-protected\n", path);
  else if (GKDC_CODE_CLASS(reply.code) != 2)
    fprintf(stderr, "gkdc join: GET /%s failed\n", path);
  else
    ok = 1;
  gkdc_tool_reply_clear(&reply);
  return ok;
}

static int install_signal_handlers(void) {
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGINT, &sa, NULL) == 0 && sigaction(SIGTERM, &sa, NULL) == 0;
}

static int run_join(struct join_args *a) {
  const struct gkdc_host_api *host = gkdc_host_api();
  struct gkdc_provider prov;
  const struct gkdc_profile_ops *ops = NULL;
  struct gkdc_profile_client_args args;
  gkdc_profile_client *pc = NULL;
  gkdc_client_security *sec;
  gkdc_client *c = NULL;
  gkdc_client_session *s;
  struct gkdc_tool_reply transfer;
  uint8_t *token_file = NULL;
  size_t token_len = 0, i;
  int ok = 0;

  memset(&transfer, 0, sizeof(transfer));
  if (!gkdc_tool_read_file(a->token_file, TOKEN_FILE_MAX, &token_file, &token_len) ||
      !parse_access_info(token_file, token_len, &args))
    goto out;

  if (!host->find_profile(GKDC_ACE_PROFILE_OSCORE, &prov)) {
    fprintf(stderr, "gkdc join: no plugin serves the %s profile; load profile-oscore\n",
            GKDC_ACE_PROFILE_OSCORE);
    goto out;
  }
  ops = prov.ops;
  if (!GKDC_HAS_OP(ops, client_unprotect_response) || ops->client_new == NULL ||
      ops->client_authz_info_request == NULL || ops->client_authz_info_response == NULL ||
      ops->client_protect_request == NULL || ops->client_unprotect_response == NULL) {
    fprintf(stderr, "gkdc join: plugin %s lacks the client operations of the profile\n",
            prov.plugin_name);
    goto out;
  }
  if (!ops->client_new(prov.state, &args, &pc)) {
    fprintf(stderr, "gkdc join: the profile rejected the Access Information\n");
    goto out;
  }

  c = gkdc_client_new(gkdc_tool_host_has_coap() ? GKDC_CLIENT_LOOP_HOST : GKDC_CLIENT_LOOP_OWN);
  if (c == NULL)
    goto out;
  s = gkdc_client_session_new(c, a->rs_uri, NULL);
  if (s == NULL || !upload_token(a, ops, prov.state, pc, c, s, &transfer))
    goto out;

  sec = gkdc_client_security_new(ops, prov.state, pc);
  pc = NULL; /* owned by sec, or freed */
  if (sec == NULL)
    goto out;
  gkdc_client_session_set_security(s, sec);

  for (i = 0; i < a->get_count; i++) {
    if (!protected_get(c, s, a->gets[i]))
      goto out;
  }
  if (a->observe_path != NULL && !protected_observe(c, s, a->observe_path, a->notifications))
    goto out;
  if (a->group.group.group != NULL) {
    a->group.group.token_transfer_response.ptr = transfer.payload;
    a->group.group.token_transfer_response.len = transfer.payload_len;
    if (!gkdc_join_group_run(c, s, &a->group))
      goto out;
  }
  ok = 1;

  if (!a->until_context && gkdc_tool_host_has_coap()) {
    if (!install_signal_handlers())
      goto out;
    gkdc_coap_log_endpoints();
    printf("serving protected requests; send SIGINT or SIGTERM to stop\n");
    fflush(stdout);
    while (!stop_requested && ok)
      ok = gkdc_client_run_once(c, 500);
  }

out:
  gkdc_tool_reply_clear(&transfer);
  if (pc != NULL && ops != NULL && ops->client_free != NULL)
    ops->client_free(prov.state, pc);
  gkdc_client_free(c);
  if (token_file != NULL)
    gkdc_wipe(token_file, token_len);
  free(token_file);
  return ok;
}

/*
 * Rejects the group flags that cannot work together, naming the flag:
 * a member without --key, a key or node operation that a Monitor or a
 * Verifier cannot use, and --out, --refresh, --leave or --node with
 * --verifier, which has no context to write or act on. Returns 1 when
 * the flags fit.
 */
static int group_flags_check(const struct gkdc_join_group_run_args *g) {
  const char *role = g->monitor ? "--monitor" : "--verifier";
  const char *bad = NULL;

  if (!g->monitor && !g->verifier) {
    if (g->group.key_file == NULL) {
      fprintf(stderr, "gkdc join: --group %s needs --key FILE (or --monitor, or --verifier)%s\n",
              g->group.group, g->refresh ? "; --refresh works on a joined context" : "");
      return 0;
    }
    return 1;
  }
  if (g->group.key_file != NULL)
    bad = "--key";
  else if (g->new_cred_key != NULL)
    bad = "--new-cred";
  else if (g->renew_sender_id)
    bad = "--renew-sid";
  else if (g->verifier && g->out_file != NULL)
    bad = "--out";
  else if (g->verifier && g->refresh)
    bad = "--refresh";
  else if (g->verifier && g->leave)
    bad = "--leave";
  else if (g->verifier && g->node_name != NULL)
    bad = "--node";
  if (bad == NULL)
    return 1;
  if (strcmp(bad, "--out") == 0)
    fprintf(stderr, "gkdc join: %s cannot be combined with %s: a Verifier gets no Group "
                    "OSCORE context to write\n", bad, role);
  else
    fprintf(stderr, "gkdc join: %s cannot be combined with %s\n", bad, role);
  return 0;
}

int gkdc_cmd_join(int argc, char **argv) {
  static const struct option options[] = {
      {"token", required_argument, NULL, 't'},
      {"rs", required_argument, NULL, 'r'},
      {"listen", required_argument, NULL, 'l'},
      {"config", required_argument, NULL, 'c'},
      {"endpoints-file", required_argument, NULL, 'e'},
      {"get", required_argument, NULL, 'g'},
      {"observe", required_argument, NULL, 'o'},
      {"notifications", required_argument, NULL, 'n'},
      {"sign-info", no_argument, NULL, 'S'},
      {"ecdh-info", no_argument, NULL, 'E'},
      {"until-context", no_argument, NULL, 'u'},
      {"verbose", no_argument, NULL, 'v'},
      {"group", required_argument, NULL, OPT_GROUP},
      {"roles", required_argument, NULL, OPT_ROLES},
      {"key", required_argument, NULL, OPT_KEY},
      {"monitor", no_argument, NULL, OPT_MONITOR},
      {"verifier", no_argument, NULL, OPT_VERIFIER},
      {"node", required_argument, NULL, OPT_NODE},
      {"renew-sid", no_argument, NULL, OPT_RENEW_SID},
      {"new-cred", required_argument, NULL, OPT_NEW_CRED},
      {"refresh", no_argument, NULL, OPT_REFRESH},
      {"leave", no_argument, NULL, OPT_LEAVE},
      {"out", required_argument, NULL, OPT_OUT},
      {"java", no_argument, NULL, OPT_JAVA},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct join_args a;
  int opt, rc = GKDC_EXIT_FAILURE;

  memset(&a, 0, sizeof(a));
  a.notifications = 3;
  a.group.group.roles = GKDC_OSC_ROLE_REQUESTER | GKDC_OSC_ROLE_RESPONDER;
  while ((opt = getopt_long(argc, argv, "c:vh", options, NULL)) != -1) {
    switch (opt) {
    case 't':
      a.token_file = optarg;
      break;
    case 'r':
      a.rs_uri = optarg;
      break;
    case 'l':
      a.listen_uri = optarg;
      break;
    case 'c':
      a.config_file = optarg;
      break;
    case 'e':
      a.endpoints_file = optarg;
      break;
    case 'g':
      if (a.get_count == MAX_GETS) {
        fprintf(stderr, "gkdc join: at most %d --get options\n", MAX_GETS);
        return GKDC_EXIT_USAGE;
      }
      a.gets[a.get_count++] = optarg[0] == '/' ? optarg + 1 : optarg;
      break;
    case 'o':
      a.observe_path = optarg[0] == '/' ? optarg + 1 : optarg;
      break;
    case 'n': {
      char *end;

      a.notifications = strtol(optarg, &end, 10);
      if (*end != '\0' || a.notifications < 1 || a.notifications > 1000) {
        fprintf(stderr, "gkdc join: --notifications takes a count from 1 to 1000\n");
        return GKDC_EXIT_USAGE;
      }
      break;
    }
    case 'S':
      a.ask_sign_info = 1;
      break;
    case 'E':
      a.ask_ecdh_info = 1;
      break;
    case 'u':
      a.until_context = 1;
      break;
    case 'v':
      a.verbose = 1;
      break;
    case OPT_GROUP:
      a.group.group.group = optarg;
      break;
    case OPT_ROLES: {
      char *end;
      unsigned long long roles = strtoull(optarg, &end, 0);

      if (optarg[0] == '\0' || optarg[0] == '-' || *end != '\0' || roles == 0 ||
          roles > 0xffff) {
        fprintf(stderr, "gkdc join: --roles takes Tperm bits as a number from 1 to 65535\n");
        return GKDC_EXIT_USAGE;
      }
      a.group.group.roles = roles;
      break;
    }
    case OPT_KEY:
      a.group.group.key_file = optarg;
      break;
    case OPT_MONITOR:
      a.group.monitor = 1;
      break;
    case OPT_VERIFIER:
      a.group.verifier = 1;
      break;
    case OPT_NODE:
      a.group.node_name = optarg;
      break;
    case OPT_RENEW_SID:
      a.group.renew_sender_id = 1;
      break;
    case OPT_NEW_CRED:
      a.group.new_cred_key = optarg;
      break;
    case OPT_REFRESH:
      a.group.refresh = 1;
      break;
    case OPT_LEAVE:
      a.group.leave = 1;
      break;
    case OPT_OUT:
      a.group.out_file = optarg;
      break;
    case OPT_JAVA:
      a.group.group.pop_flags |= GKDC_POP_F_ECDSA_DER;
      break;
    case 'h':
      print_usage(stdout);
      return GKDC_EXIT_OK;
    default:
      print_usage(stderr);
      return GKDC_EXIT_USAGE;
    }
  }
  if (optind < argc || a.token_file == NULL || a.rs_uri == NULL) {
    fprintf(stderr, "gkdc join: --token and --rs are required\n");
    print_usage(stderr);
    return GKDC_EXIT_USAGE;
  }
  if (a.group.group.group == NULL &&
      (a.group.group.key_file != NULL || a.group.monitor || a.group.verifier ||
       a.group.node_name != NULL || a.group.renew_sender_id || a.group.new_cred_key != NULL ||
       a.group.refresh || a.group.leave || a.group.out_file != NULL)) {
    fprintf(stderr, "gkdc join: the group options need --group NAME\n");
    return GKDC_EXIT_USAGE;
  }
  if (a.group.monitor && a.group.verifier) {
    fprintf(stderr, "gkdc join: --monitor and --verifier cannot be combined\n");
    return GKDC_EXIT_USAGE;
  }
  if (a.group.group.group != NULL && !group_flags_check(&a.group))
    return GKDC_EXIT_USAGE;
  /* A key pair is checked against the group's sign_info before the Join
   * Request: ask for it. */
  if (a.group.group.key_file != NULL)
    a.ask_sign_info = 1;

  if (!gkdc_tool_host_start(a.config_file, GKDC_TOOL_DEFAULT_PLUGINS, a.listen_uri, a.verbose))
    return GKDC_EXIT_FAILURE;
  if (gkdc_tool_host_has_coap()) {
    gkdc_coap_log_endpoints();
    if (a.endpoints_file != NULL && !gkdc_coap_write_endpoints(a.endpoints_file)) {
      gkdc_tool_host_stop();
      return GKDC_EXIT_FAILURE;
    }
  }
  /* Every local input is checked before the first request. */
  if (a.group.group.group != NULL && !gkdc_join_group_check_files(&a.group)) {
    gkdc_tool_host_stop();
    gkdc_log_close();
    return GKDC_EXIT_FAILURE;
  }
  if (run_join(&a))
    rc = GKDC_EXIT_OK;
  gkdc_tool_host_stop();
  gkdc_log_close();
  return rc;
}
