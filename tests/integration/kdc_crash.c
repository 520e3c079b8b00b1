/*
 * Sender IDs across a KDC crash. A child process runs the kdc-groupcomm
 * plugin's handlers in-process over the real store-sqlite file,
 * alg-boringssl, credfmt-ccs, pop-sign and appprofile-group-oscore, and
 * performs joins, re-joins and Sender ID renewals under one Gid. After
 * each response it reports the Sender ID it announced through a pipe. The
 * parent kills the child with SIGKILL half-way, restarts the KDC on the
 * same database in its own process and checks:
 *
 *   - the Gid did not change;
 *   - every member whose Join Response was reported is in the store, with
 *     the Sender ID it was last given (only the operation in flight at the
 *     kill may differ);
 *   - no Sender ID was given twice under the Gid, before or after the
 *     restart, and no two stored members share one;
 *   - joins, re-joins and renewals continue after the restart until the
 *     total count is reached (10,000 at GKDC_TEST_SCALE=1);
 *   - in a group with 1-byte Sender IDs, which the child fills part of
 *     the way, the 257th Sender ID is refused with 5.03 and error 4, and
 *     still after a second restart.
 *
 * The handlers are called in-process rather than over OSCORE, so 10,000
 * operations fit in the test time on two cores. kdc_e2e.sh covers the
 * network path of the same handlers.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "unit/test_kdc_harness.h"

/* Ed25519 key pair and CCS of the Group OSCORE plugtest Group Manager. */
#define GM_KEY "d0a2ce11b2ba614b048903b72638ef4a3b0af56e1a60c6fb6706b0c1ad8a14fb"
#define GM_CRED "a2026008a101a4010103272006215820" \
  "c6ec665e817bd064340e7c24bb93a11e8ec0735ce48790f9c458f7fa340b8ca3"
#define GM "gm_cred = \"" GM_CRED "\"; gm_key = \"" GM_KEY "\";"

#define ROLES (GKDC_OSC_ROLE_REQUESTER | GKDC_OSC_ROLE_RESPONDER)
/* Every TINY_EVERY-th operation of the child is also a join to "tiny". */
#define TINY_EVERY 32

/* The kinds of report the child sends. */
enum op_kind {
  OP_GID = 'G',     /* the Gid of "big" at start */
  OP_JOIN = 'J',    /* a new member of "big" */
  OP_REJOIN = 'R',  /* a re-join of a member of "big" */
  OP_RENEW = 'N',   /* a new Sender ID of a member of "big" */
  OP_TINY = 'T',    /* a new member of "tiny" */
  OP_REFUSED = 'X', /* "tiny" refused a join with 5.03 error 4 */
};

/* One report; at most PIPE_BUF bytes, so each write is atomic. */
struct report {
  uint8_t kind;
  uint8_t len; /* of sid */
  uint8_t sid[8];
  char node[32];
};

/* One joining node of this process. */
struct node {
  struct h_client cl;
  char name[32];
};

static char config_text[1024];

/* ---- a minimal joining node ---- */

/* Makes a node with a stored token for `group` and runs the Token
 * Transfer to get its N_S. Returns 1 on success. */
static int node_init(struct node *n, const char *group, unsigned seq)
{
  struct h_client *cl = &n->cl;
  struct gkdc_cbor_enc e;
  struct gkdc_store_token t;
  struct gkdc_kdc_token_transfer tt;
  uint8_t entries[512], req_map[1] = {0xa0};
  size_t entries_len = sizeof(entries), count = 0, mark, i;
  size_t priv_len = 32, pub_len = 32;
  struct gkdc_cbor_dec d;
  int err = 0;
  static const uint8_t ccs_head[] = {0xa2, 0x02, 0x60, 0x08, 0xa1, 0x01, 0xa4, 0x01, 0x01,
                                     0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20};

  memset(n, 0, sizeof(*n));
  snprintf((char *)cl->token_id, sizeof(cl->token_id), "c%u-%u", (unsigned)getpid(), seq);
  cl->token_id_len = strlen((char *)cl->token_id);

  /* scope = bstr .cbor [[group, roles]] */
  gkdc_cbor_enc_init(&e, cl->scope, sizeof(cl->scope));
  mark = gkdc_cbor_enc_bstr_begin(&e);
  gkdc_cbor_enc_put_array(&e, 1);
  gkdc_cbor_enc_put_array(&e, 2);
  gkdc_cbor_enc_put_tstr_z(&e, group);
  gkdc_cbor_enc_put_uint(&e, ROLES);
  gkdc_cbor_enc_bstr_end(&e, mark);
  if (gkdc_cbor_enc_finish(&e, &cl->scope_len) != GKDC_CBOR_OK)
    return 0;

  cl->authz = (struct gkdc_authz){
      .size = sizeof(cl->authz),
      .ace_profile = "coap_oscore",
      .token_id = {cl->token_id, cl->token_id_len},
      .scope = {cl->scope, cl->scope_len},
      .expires_at = h_now_value + 3600,
  };
  cl->peer = (struct gkdc_peer){
      .size = sizeof(cl->peer),
      .transport = GKDC_TRANSPORT_LOCAL,
      .address = "test",
      .authz = &cl->authz,
  };

  /* An Ed25519 key pair and its CCS. */
  if (!gkdc_crypto_keygen(&h_crypto, GKDC_COSE_CRV_ED25519, cl->priv, &priv_len, cl->pub,
                          &pub_len))
    return 0;
  memcpy(cl->cred, ccs_head, sizeof(ccs_head));
  memcpy(cl->cred + sizeof(ccs_head), cl->pub, 32);
  cl->cred_len = sizeof(ccs_head) + 32;

  /* The token as /authz-info would have stored it. */
  t = (struct gkdc_store_token){
      .size = sizeof(t),
      .token_id = cl->authz.token_id,
      .ace_profile = "coap_oscore",
      .scope = cl->authz.scope,
      .raw = cl->authz.token_id,
      .exp = cl->authz.expires_at,
      .received = h_now_value,
  };
  if (!h_store_ops()->token_put(h_store.state, &t))
    return 0;

  memset(&tt, 0, sizeof(tt));
  tt.size = sizeof(tt);
  tt.authz = &cl->authz;
  tt.request_map = req_map;
  tt.request_map_len = sizeof(req_map);
  if (h_kdc_ops()->token_transfer(h_kdc.state, &tt, entries, &entries_len, &count, &err) != 1)
    return 0;
  gkdc_cbor_dec_init_seq(&d, entries, entries_len, NULL);
  for (i = 0; i < count; i++) {
    uint64_t key = 0;
    struct gkdc_bytes b;

    if (!gkdc_cbor_dec_get_uint(&d, &key))
      return 0;
    if (key == GKDC_OAUTH_KDCCHALLENGE && gkdc_cbor_dec_get_bstr(&d, &b) &&
        b.len <= sizeof(cl->n_s)) {
      memcpy(cl->n_s, b.ptr, b.len);
      cl->n_s_len = b.len;
    } else if (key != GKDC_OAUTH_KDCCHALLENGE) {
      gkdc_cbor_dec_skip(&d);
    }
  }
  return cl->n_s_len > 0;
}

/* Sends a Join Request to `group`: with the credential and its PoP when
 * `with_cred`, else with an empty client_cred (a re-join). */
static int node_join(struct node *n, const char *group, int with_cred,
                     struct gkdc_response *r)
{
  struct h_client *cl = &n->cl;
  struct gkdc_cbor_enc e;
  uint8_t scope[64], buf[512], input[256], sig[64];
  uint8_t n_c[8] = {9, 8, 7, 6, 5, 4, 3, 2};
  size_t scope_len = 0, len = 0, input_len = sizeof(input), sig_len = sizeof(sig);

  gkdc_cbor_enc_init(&e, scope, sizeof(scope));
  gkdc_cbor_enc_put_array(&e, 2);
  gkdc_cbor_enc_put_tstr_z(&e, group);
  gkdc_cbor_enc_put_uint(&e, ROLES);
  if (gkdc_cbor_enc_finish(&e, &scope_len) != GKDC_CBOR_OK)
    return 0;

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cbor_enc_put_map(&e, with_cred ? 4 : 3);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_SCOPE);
  gkdc_cbor_enc_put_bstr(&e, scope, scope_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CNONCE);
  gkdc_cbor_enc_put_bstr(&e, n_c, sizeof(n_c));
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
  gkdc_cbor_enc_put_bstr(&e, cl->cred, with_cred ? cl->cred_len : 0);
  if (with_cred) {
    struct gkdc_bytes sb = {scope, scope_len};
    struct gkdc_bytes nsb = {cl->n_s, cl->n_s_len};
    struct gkdc_bytes ncb = {n_c, sizeof(n_c)};

    if (!gkdc_pop_input_client(sb, nsb, ncb, input, &input_len) ||
        !gkdc_crypto_sign(&h_crypto, GKDC_COSE_ALG_EDDSA, cl->priv, 32, input, input_len,
                          sig, &sig_len))
      return 0;
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED_VERIFY);
    gkdc_cbor_enc_put_bstr(&e, sig, sig_len);
  }
  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK)
    return 0;

  snprintf((char *)input, sizeof(input), "ace-group/%s", group);
  h_call(cl, GKDC_POST, (const char *)input, GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, r);
  return 1;
}

/* The group_SenderId in `key` of a Join Response. */
static int resp_key_sid(const struct gkdc_response *r, struct gkdc_bytes *sid)
{
  struct gkdc_cbor_dec d, v, w;

  return h_find(r, &d, GKDC_GC_KEY, &v) && gkdc_cbor_dec_enter_map(&v, NULL) &&
         gkdc_cbor_dec_map_find_int(&v, GKDC_OSC_KEY_GROUP_SENDERID, &w) &&
         gkdc_cbor_dec_get_bstr(&w, sid);
}

/* ---- the operations ---- */

/* The state of one process's workload. */
struct work {
  struct node *nodes; /* nodes of "big" */
  size_t count;
  size_t cap;
  unsigned seq;
  int tiny_full; /* "tiny" refused a join */
};

/* Fills a report from a response's Sender ID. */
static int report_set(struct report *rep, int kind, const char *node, struct gkdc_bytes sid)
{
  memset(rep, 0, sizeof(*rep));
  rep->kind = (uint8_t)kind;
  if (sid.len == 0 || sid.len > sizeof(rep->sid))
    return 0;
  rep->len = (uint8_t)sid.len;
  memcpy(rep->sid, sid.ptr, sid.len);
  snprintf(rep->node, sizeof(rep->node), "%s", node);
  return 1;
}

/*
 * Runs operation `i` of the mix (half new joins, a quarter re-joins, a
 * quarter renewals; only joins until four nodes exist) in "big", and
 * fills `rep` with the Sender ID the KDC announced. Returns 1 on success.
 */
static int op_big(struct work *w, size_t i, struct report *rep)
{
  struct gkdc_response r;
  struct gkdc_bytes sid = {NULL, 0};
  unsigned kind = (unsigned)(i % 4);
  int ok = 0;

  gkdc_response_init(&r);
  if (w->count < 4 || kind < 2) {
    struct node *n = &w->nodes[w->count];

    if (w->count >= w->cap || !node_init(n, "big", ++w->seq) || !node_join(n, "big", 1, &r))
      goto out;
    if (r.code != GKDC_CODE(2, 1) || r.location_count != 4 || !resp_key_sid(&r, &sid)) {
      fprintf(stderr, "join %zu: code %d.%02d\n", i, r.code >> 5, r.code & 31);
      goto out;
    }
    snprintf(n->name, sizeof(n->name), "%s", r.location[3]);
    w->count++;
    ok = report_set(rep, OP_JOIN, n->name, sid);
  } else if (kind == 2) {
    struct node *n = &w->nodes[(i * 7919) % w->count];

    if (!node_join(n, "big", 0, &r))
      goto out;
    if (r.code != GKDC_CODE(2, 4) || !resp_key_sid(&r, &sid)) {
      fprintf(stderr, "re-join %zu: code %d.%02d\n", i, r.code >> 5, r.code & 31);
      goto out;
    }
    ok = report_set(rep, OP_REJOIN, n->name, sid);
  } else {
    struct node *n = &w->nodes[(i * 104729) % w->count];
    char path[96];

    snprintf(path, sizeof(path), "ace-group/big/nodes/%s", n->name);
    h_call(&n->cl, GKDC_POST, path, GKDC_CF_NONE, NULL, 0, &r);
    if (r.code != GKDC_CODE(2, 4) || !h_get_bstr(&r, GKDC_OSC_GROUP_SENDERID, &sid)) {
      fprintf(stderr, "renewal %zu: code %d.%02d\n", i, r.code >> 5, r.code & 31);
      goto out;
    }
    ok = report_set(rep, OP_RENEW, n->name, sid);
  }

out:
  gkdc_response_clear(&r);
  return ok;
}

/* Joins a new node to "tiny". Returns 1 with `rep` set to OP_TINY or
 * OP_REFUSED (5.03 with error 4), 0 on any other response. */
static int op_tiny(struct work *w, struct report *rep)
{
  struct node n;
  struct gkdc_response r;
  struct gkdc_bytes sid = {NULL, 0};
  int ok = 0;

  gkdc_response_init(&r);
  if (!node_init(&n, "tiny", ++w->seq) || !node_join(&n, "tiny", 1, &r))
    goto out;
  if (r.code == GKDC_CODE(5, 3) && h_error_id(&r) == GKDC_GC_ERR_NO_INDIVIDUAL_KEYS) {
    memset(rep, 0, sizeof(*rep));
    rep->kind = OP_REFUSED;
    w->tiny_full = 1;
    ok = 1;
  } else if (r.code == GKDC_CODE(2, 1) && r.location_count == 4 && resp_key_sid(&r, &sid)) {
    ok = report_set(rep, OP_TINY, r.location[3], sid);
  } else {
    fprintf(stderr, "tiny join: code %d.%02d\n", r.code >> 5, r.code & 31);
  }

out:
  gkdc_response_clear(&r);
  return ok;
}

/* The current Gid of `group` as a report. */
static int gid_report(const char *group, struct report *rep)
{
  struct gkdc_store_group *g = NULL;
  int ok;

  memset(rep, 0, sizeof(*rep));
  rep->kind = OP_GID;
  if (!h_store_ops()->group_get(h_store.state, group, &g))
    return 0;
  ok = g->gid.len > 0 && g->gid.len <= sizeof(rep->sid);
  if (ok) {
    rep->len = (uint8_t)g->gid.len;
    memcpy(rep->sid, g->gid.ptr, g->gid.len);
  }
  h_store_ops()->record_free(h_store.state, g);
  return ok;
}

/* The child: starts the KDC and runs `total` operations, reporting each on
 * `fd`, until it is killed. Never returns. */
static void child_run(int fd, size_t total)
{
  struct work w;
  struct report rep;
  size_t i;

  memset(&w, 0, sizeof(w));
  w.cap = total + 8;
  w.nodes = calloc(w.cap, sizeof(*w.nodes));
  if (w.nodes == NULL || !h_start(config_text) || !gid_report("big", &rep) ||
      write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
    _exit(3);
  for (i = 0; i < total; i++) {
    if (!op_big(&w, i, &rep) || write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
      _exit(4);
    if (i % TINY_EVERY == 0 && !w.tiny_full &&
        (!op_tiny(&w, &rep) || write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep)))
      _exit(5);
  }
  /* Every operation done before the kill: wait for it. */
  for (;;)
    pause();
}

/* ---- the parent's checks ---- */

/* A Sender ID as a 9-byte sortable key: its length, then its bytes. */
static void sid_key(uint8_t key[9], const uint8_t *sid, size_t len)
{
  memset(key, 0, 9);
  key[0] = (uint8_t)len;
  memcpy(key + 1, sid, len);
}

static int cmp_key(const void *a, const void *b) { return memcmp(a, b, 9); }

/* Number of adjacent equal keys after sorting. */
static size_t count_duplicates(uint8_t (*keys)[9], size_t n)
{
  size_t i, dups = 0;

  qsort(keys, n, 9, cmp_key);
  for (i = 1; i < n; i++)
    if (memcmp(keys[i - 1], keys[i], 9) == 0)
      dups++;
  return dups;
}

/* Collects the Sender IDs of the stored members of a group. */
struct member_scan {
  uint8_t (*keys)[9];
  size_t count;
  size_t cap;
};

static int scan_member(void *arg, const struct gkdc_store_member *m)
{
  struct member_scan *s = arg;

  if (m->has_sender_id && s->count < s->cap && m->sender_id.len <= 8)
    sid_key(s->keys[s->count++], m->sender_id.ptr, m->sender_id.len);
  return 1;
}

static void test_sid_crash(void)
{
  size_t total = gkdc_test_scaled(10000, 400);
  size_t kill_at = total / 2;
  size_t cap = 2 * total + 600, nrep = 0, i, n_big = 0, n_tiny = 0;
  struct report *reps = calloc(cap, sizeof(*reps));
  uint8_t(*keys)[9] = calloc(cap, 9);
  uint8_t(*tiny_keys)[9] = calloc(600, 9);
  struct work w;
  struct report gid0, gid1, rep;
  int fds[2], status = 0, killed = 0, refused_before = 0;
  size_t missing = 0, moved = 0, big_ops = 0;
  struct member_scan scan;
  pid_t pid;

  CU_ASSERT_FATAL(reps != NULL && keys != NULL && tiny_keys != NULL);
  CU_ASSERT_FATAL(pipe(fds) == 0);
  fflush(NULL);
  pid = fork();
  CU_ASSERT_FATAL(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    child_run(fds[1], total);
  }
  close(fds[1]);

  /* Read the reports; kill the child at kill_at operations of "big", then
   * drain what it wrote before it died. */
  for (;;) {
    ssize_t got = read(fds[0], &reps[nrep], sizeof(*reps));

    if (got == 0)
      break;
    if (got < 0 && errno == EINTR)
      continue;
    CU_ASSERT_FATAL(got == (ssize_t)sizeof(*reps));
    if (reps[nrep].kind == OP_JOIN || reps[nrep].kind == OP_REJOIN ||
        reps[nrep].kind == OP_RENEW)
      big_ops++;
    nrep++;
    CU_ASSERT_FATAL(nrep < cap);
    if (!killed && big_ops >= kill_at) {
      kill(pid, SIGKILL);
      killed = 1;
    }
  }
  close(fds[0]);
  CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
  CU_ASSERT(killed);
  CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  CU_ASSERT_FATAL(nrep > 0 && reps[0].kind == OP_GID);
  gid0 = reps[0];
  printf("child killed with SIGKILL after %zu reported operations in big\n", big_ops);

  /* Restart on the same database. */
  CU_ASSERT_FATAL(h_start(config_text));
  CU_ASSERT_FATAL(gid_report("big", &gid1));
  CU_ASSERT(gid0.len == gid1.len && memcmp(gid0.sid, gid1.sid, gid0.len) == 0);

  /* Every reported member is stored with its last reported Sender ID. */
  for (i = nrep; i-- > 1;) {
    struct gkdc_store_member *m = NULL;
    const char *group = reps[i].kind == OP_TINY ? "tiny" : "big";
    size_t k;
    int later = 0;

    if (reps[i].kind == OP_REFUSED) {
      refused_before = 1;
      continue;
    }
    for (k = i + 1; k < nrep && !later; k++)
      later = reps[k].kind != OP_TINY && reps[i].kind != OP_TINY &&
              strcmp(reps[k].node, reps[i].node) == 0;
    if (later)
      continue;
    if (!h_store_ops()->member_get(h_store.state, group, reps[i].node, &m)) {
      missing++;
      continue;
    }
    if (!m->has_sender_id || m->sender_id.len != reps[i].len ||
        memcmp(m->sender_id.ptr, reps[i].sid, reps[i].len) != 0)
      moved++;
    h_store_ops()->record_free(h_store.state, m);
  }
  CU_ASSERT_EQUAL(missing, 0);
  /* Only the operation in flight at the kill may have changed a member. */
  CU_ASSERT(moved <= 1);
  printf("after restart: %zu missing members, %zu changed by the operation in flight\n",
         missing, moved);

  /* Sender IDs reported before the crash. */
  for (i = 1; i < nrep; i++) {
    if (reps[i].kind == OP_TINY)
      sid_key(tiny_keys[n_tiny++], reps[i].sid, reps[i].len);
    else if (reps[i].kind != OP_REFUSED)
      sid_key(keys[n_big++], reps[i].sid, reps[i].len);
  }

  /* Continue after the restart up to `total` operations in "big", and fill
   * "tiny" until it refuses. */
  memset(&w, 0, sizeof(w));
  w.cap = total + 8;
  w.nodes = calloc(w.cap, sizeof(*w.nodes));
  CU_ASSERT_FATAL(w.nodes != NULL);
  w.seq = 1000000;
  for (i = 0; big_ops + i < total; i++) {
    CU_ASSERT_FATAL(op_big(&w, i, &rep));
    sid_key(keys[n_big++], rep.sid, rep.len);
  }
  while (!w.tiny_full && n_tiny < 600) {
    CU_ASSERT_FATAL(op_tiny(&w, &rep));
    if (rep.kind == OP_TINY)
      sid_key(tiny_keys[n_tiny++], rep.sid, rep.len);
  }
  printf("%zu operations in big in all; tiny refused its join %zu (%s the crash)\n",
         big_ops + i, n_tiny + 1, refused_before ? "before" : "after");
  CU_ASSERT_EQUAL(big_ops + i, total);
  CU_ASSERT(w.tiny_full);
  CU_ASSERT(n_tiny <= 256);

  /* No Sender ID twice, in either group. */
  CU_ASSERT_EQUAL(count_duplicates(keys, n_big), 0);
  CU_ASSERT_EQUAL(count_duplicates(tiny_keys, n_tiny), 0);
  for (i = 0; i < n_tiny; i++)
    CU_ASSERT(tiny_keys[i][0] == 1);

  /* No two stored members share a Sender ID. */
  memset(&scan, 0, sizeof(scan));
  scan.keys = keys;
  scan.cap = cap;
  CU_ASSERT(h_store_ops()->member_list(h_store.state, "big", scan_member, &scan));
  CU_ASSERT(scan.count > 0);
  CU_ASSERT_EQUAL(count_duplicates(scan.keys, scan.count), 0);

  /* Still under the same Gid, and "tiny" still full after a second
   * restart. */
  CU_ASSERT_FATAL(gid_report("big", &gid1));
  CU_ASSERT(gid0.len == gid1.len && memcmp(gid0.sid, gid1.sid, gid0.len) == 0);
  h_stop();
  CU_ASSERT_FATAL(h_start(config_text));
  w.tiny_full = 0;
  CU_ASSERT(op_tiny(&w, &rep) && rep.kind == OP_REFUSED);

  free(w.nodes);
  free(reps);
  free(keys);
  free(tiny_keys);
}

static int suite_init(void)
{
  if (!h_setup())
    return -1;
  snprintf(config_text, sizeof(config_text),
           "plugin_config = {\n"
           "  store-sqlite = { path = \"%s/kdc.db\"; };\n"
           "  kdc-groupcomm = { groups = (\n"
           "    { name = \"big\"; rekey_on_leave = false; " GM " },\n"
           "    { name = \"tiny\"; max_sender_id_len = 1; rekey_on_leave = false; " GM " } );\n"
           "  };\n"
           "};\n",
           h_dir);
  return 0;
}

static int suite_clean(void)
{
  h_stop();
  h_teardown();
  return 0;
}

int main(void)
{
  CU_pSuite suite;
  unsigned failures;

  (void)h_get_uint; /* a harness helper this program does not need */
  if (!h_have_appprofile()) {
    printf("skipped: no appprofile plugin in the build tree\n");
    return GKDC_TEST_EXIT_SKIP;
  }
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("kdc_crash", suite_init, suite_clean);
  if (suite == NULL ||
      CU_add_test(suite, "Sender IDs across SIGKILL and restart", test_sid_crash) == NULL) {
    CU_cleanup_registry();
    return 1;
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
  CU_cleanup_registry();
  return failures == 0 ? 0 : 1;
}
