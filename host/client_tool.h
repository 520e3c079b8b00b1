/*
 * Helpers of the client-side subcommands (`gkdc token`, `gkdc keygen`,
 * `gkdc join`): starting a host in the tool's process for the plugins it
 * needs, files, hex and scope text.
 */
#ifndef GKDC_HOST_CLIENT_TOOL_H
#define GKDC_HOST_CLIENT_TOOL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include <gkdc/cbor.h>
#include <gkdc/client.h>

/* The plugins of a joining node when no config file is given. */
#define GKDC_TOOL_DEFAULT_PLUGINS \
  "\"alg-boringssl\", \"profile-oscore\", \"credfmt-ccs\", \"pop-sign\""

/*
 * Starts the host part of a tool. It loads `config_file`, or a built-in
 * config that lists `plugins` (text of a libconfig list body, e.g.
 * "\"alg-boringssl\"") and listens on `listen_uri` unless that is NULL.
 * Then it loads and initializes the plugins and, when the config has
 * endpoints, starts the host's CoAP context. Plugins come from the config's plugin_dir,
 * $GKDC_PLUGIN_PATH or the installed directory. `verbose` logs at debug
 * level. Returns 1, or 0 after logging (everything started is stopped).
 */
int gkdc_tool_host_start(const char *config_file, const char *plugins, const char *listen_uri,
                         int verbose);

/* Stops what gkdc_tool_host_start() started; safe to call twice. */
void gkdc_tool_host_stop(void);

/* Returns 1 when the host's CoAP context runs. */
int gkdc_tool_host_has_coap(void);

/*
 * Decodes hex text (no separators) into out[0..cap). Returns 1 and sets
 * *len, or 0 for an odd length, a non-hex digit or a small buffer.
 */
int gkdc_tool_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len);

/*
 * Writes `len` bytes to `path` with permission bits `mode` (also applied
 * to an existing file before writing). Returns 1, or 0 after printing the
 * error to stderr.
 */
int gkdc_tool_write_file(const char *path, const uint8_t *data, size_t len, mode_t mode);

/*
 * Reads a whole file of at most `max` bytes into a malloc'd buffer that the
 * caller frees. Returns 1, or 0 after printing the error to stderr.
 */
int gkdc_tool_read_file(const char *path, size_t max, uint8_t **data, size_t *len);

/*
 * Encodes a scope given on the command line as the `scope` parameter.
 * JSON-like text such as "[[\"g1\", 6]]" (arrays, double-quoted strings
 * without escapes, integers) becomes a byte string that contains its CBOR
 * encoding, the AIF scope of RFC 9594. Even-length hex text becomes a byte
 * string of those bytes, and anything else a text string. Returns 1,
 * or 0 after printing why the JSON-like text is invalid.
 */
int gkdc_tool_encode_scope(const char *text, struct gkdc_cbor_enc *e);

/* A response copied out of a client callback. */
struct gkdc_tool_reply {
  int status;             /* enum gkdc_client_status */
  uint8_t code;
  int32_t content_format;
  uint8_t *payload;       /* malloc'd; free with gkdc_tool_reply_clear() */
  size_t payload_len;
  int protected_response;
  char location_path[GKDC_CLIENT_LOCATION_MAX]; /* see struct gkdc_client_response */
  volatile int done;
};

/*
 * Sends `msg` on `s` and runs the client's loop until the response
 * arrives or the request fails. Returns 1 and fills `out` when a response
 * arrived (any code), or 0 after printing the failure to stderr.
 */
int gkdc_tool_call(gkdc_client *c, gkdc_client_session *s, const struct gkdc_client_msg *msg,
                   struct gkdc_tool_reply *out);

/*
 * Copies the CBOR item `buf` (`len` bytes) with each secret byte string
 * replaced by the text string "gkdc-redacted-N" (N its length): OSCORE
 * Master Secrets, COSE_Key private and symmetric keys, and a Groupcomm
 * sign_enc_key (client_redact.c lists the places). Byte strings that
 * contain CBOR are redacted inside. Returns 1 with a malloc'd copy in *out
 * that the caller frees, or 0 when `buf` is not one well-formed item or
 * memory runs out.
 */
int gkdc_tool_redact(const uint8_t *buf, size_t len, enum gkdc_diag_as as, uint8_t **out,
                     size_t *out_len);

/*
 * Writes `buf` to `out` in CBOR diagnostic notation (pretty, with labels
 * and embedded CBOR) read as `as`, with each secret printed as
 * h'' / N bytes redacted /. Returns 1, or 0 with nothing written when
 * `buf` is not one well-formed CBOR item.
 */
int gkdc_tool_print_redacted(FILE *out, const uint8_t *buf, size_t len, enum gkdc_diag_as as);

/* Frees the payload of a reply. */
void gkdc_tool_reply_clear(struct gkdc_tool_reply *r);

#endif /* GKDC_HOST_CLIENT_TOOL_H */
