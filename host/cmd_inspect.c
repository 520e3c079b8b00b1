/*
 * `gkdc inspect [HEX... | -f FILE]`: prints CBOR as diagnostic notation,
 * naming the keys of CWT claims, COSE messages and headers, COSE_Key, cnf,
 * OSCORE input material, and on request ACE and ACE Groupcomm maps.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/cbor.h>

#include "commands.h"

/* The largest input accepted, the decoder's default limit. */
#define MAX_INPUT GKDC_CBOR_DEFAULT_MAX_SIZE

static void usage(FILE *out)
{
  fprintf(out,
          "Usage: gkdc inspect [OPTIONS] HEX...\n"
          "       gkdc inspect [OPTIONS] -f FILE\n"
          "\n"
          "Prints CBOR (or a CBOR sequence) as diagnostic notation (RFC 8949\n"
          "section 8). Keys of CWT claims, COSE_Sign1/Mac0/Encrypt0 and their\n"
          "headers, COSE_Key, cnf and OSCORE_Input_Material are named in\n"
          "comments, and byte strings that contain CBOR print as <<...>>.\n"
          "\n"
          "HEX is the input in hexadecimal; several arguments are joined and\n"
          "spaces are ignored.\n"
          "\n"
          "Options:\n"
          "  -f, --file FILE  read the input from FILE (\"-\" for stdin): hex text\n"
          "                   when it holds only hex digits and spaces, else binary\n"
          "  -a, --as TYPE    read the top-level item as TYPE: auto (default),\n"
          "                   cbor (no labels at top level), claims (a CWT claims\n"
          "                   set or CCS), cose-key, ace (a /token or /authz-info\n"
          "                   map) or groupcomm (an RFC 9594 map, CF 261)\n"
          "  -c, --compact    print everything on one line\n"
          "  -n, --no-labels  plain diagnostic notation, no comments or <<...>>\n"
          "  -h, --help       print this help and exit\n"
          "\n"
          "Exit status: 0 success, 1 invalid input, 2 usage error.\n");
}

/* Decodes hex digits from `text`, skipping whitespace. Returns the length,
 * or (size_t)-1 for a non-hex character or an odd number of digits. */
static size_t hex_decode(const char *text, size_t text_len, uint8_t *out, size_t cap)
{
  size_t n = 0;
  int high = -1;
  size_t i;

  for (i = 0; i < text_len; i++) {
    int c = (unsigned char)text[i];
    int v;

    if (isspace(c))
      continue;
    if (!isxdigit(c))
      return (size_t)-1;
    v = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
    if (high < 0) {
      high = v;
      continue;
    }
    if (n == cap)
      return (size_t)-1;
    out[n++] = (uint8_t)(high << 4 | v);
    high = -1;
  }
  return high < 0 ? n : (size_t)-1;
}

/* Reads a whole file or stdin into a new buffer; returns its length or
 * (size_t)-1 after printing why. */
static size_t read_file(const char *path, uint8_t **out)
{
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  uint8_t *buf;
  size_t n;

  if (f == NULL) {
    fprintf(stderr, "gkdc inspect: cannot open %s: %s\n", path, strerror(errno));
    return (size_t)-1;
  }
  /* Hex text takes two characters per byte, plus spacing. */
  buf = malloc(MAX_INPUT * 3 + 1);
  if (buf == NULL) {
    fprintf(stderr, "gkdc inspect: out of memory\n");
    if (f != stdin)
      fclose(f);
    return (size_t)-1;
  }
  n = fread(buf, 1, MAX_INPUT * 3 + 1, f);
  if (ferror(f) || n > MAX_INPUT * 3) {
    fprintf(stderr, "gkdc inspect: %s: %s\n", path,
            ferror(f) ? "read error" : "input too large");
    n = (size_t)-1;
  }
  if (f != stdin)
    fclose(f);
  if (n == (size_t)-1) {
    free(buf);
    return n;
  }
  *out = buf;
  return n;
}

/* Turns file contents into CBOR bytes: hex text is decoded in place. */
static size_t file_to_cbor(uint8_t *buf, size_t n)
{
  size_t len = hex_decode((const char *)buf, n, buf, n);

  if (len != (size_t)-1 && len > 0)
    return len;
  return n;
}

static int parse_as(const char *text, enum gkdc_diag_as *as)
{
  if (strcmp(text, "auto") == 0)
    *as = GKDC_DIAG_AS_AUTO;
  else if (strcmp(text, "cbor") == 0)
    *as = GKDC_DIAG_AS_CBOR;
  else if (strcmp(text, "claims") == 0 || strcmp(text, "ccs") == 0 ||
           strcmp(text, "cwt-claims") == 0)
    *as = GKDC_DIAG_AS_CLAIMS;
  else if (strcmp(text, "cose-key") == 0 || strcmp(text, "key") == 0)
    *as = GKDC_DIAG_AS_COSE_KEY;
  else if (strcmp(text, "ace") == 0)
    *as = GKDC_DIAG_AS_ACE;
  else if (strcmp(text, "groupcomm") == 0)
    *as = GKDC_DIAG_AS_GROUPCOMM;
  else
    return 0;
  return 1;
}

int gkdc_cmd_inspect(int argc, char **argv)
{
  static const struct option options[] = {
      {"file", required_argument, NULL, 'f'},
      {"as", required_argument, NULL, 'a'},
      {"compact", no_argument, NULL, 'c'},
      {"no-labels", no_argument, NULL, 'n'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *file = NULL;
  enum gkdc_diag_as as = GKDC_DIAG_AS_AUTO;
  unsigned flags = GKDC_DIAG_PRETTY | GKDC_DIAG_LABELS | GKDC_DIAG_EMBEDDED;
  uint8_t *buf = NULL;
  size_t len = 0;
  enum gkdc_cbor_err err;
  int opt;
  int i;

  while ((opt = getopt_long(argc, argv, "f:a:cnh", options, NULL)) != -1) {
    switch (opt) {
    case 'f':
      file = optarg;
      break;
    case 'a':
      if (!parse_as(optarg, &as)) {
        fprintf(stderr, "gkdc inspect: invalid --as value \"%s\": use auto, cbor, "
                        "claims, cose-key, ace or groupcomm\n", optarg);
        return GKDC_EXIT_USAGE;
      }
      break;
    case 'c':
      flags &= ~(unsigned)GKDC_DIAG_PRETTY;
      break;
    case 'n':
      flags &= ~(unsigned)(GKDC_DIAG_LABELS | GKDC_DIAG_EMBEDDED);
      break;
    case 'h':
      usage(stdout);
      return GKDC_EXIT_OK;
    default:
      usage(stderr);
      return GKDC_EXIT_USAGE;
    }
  }

  if ((file == NULL) == (optind >= argc)) {
    fprintf(stderr, "gkdc inspect: give either HEX or -f FILE\n");
    usage(stderr);
    return GKDC_EXIT_USAGE;
  }

  if (file != NULL) {
    len = read_file(file, &buf);
    if (len == (size_t)-1)
      return GKDC_EXIT_FAILURE;
    len = file_to_cbor(buf, len);
  } else {
    size_t text_len = 0;
    char *text;

    for (i = optind; i < argc; i++)
      text_len += strlen(argv[i]) + 1;
    text = malloc(text_len + 1);
    buf = malloc(text_len / 2 + 1);
    if (text == NULL || buf == NULL) {
      fprintf(stderr, "gkdc inspect: out of memory\n");
      free(text);
      free(buf);
      return GKDC_EXIT_FAILURE;
    }
    text[0] = '\0';
    for (i = optind; i < argc; i++) {
      strcat(text, argv[i]);
      strcat(text, " ");
    }
    len = hex_decode(text, strlen(text), buf, text_len / 2 + 1);
    free(text);
    if (len == (size_t)-1) {
      fprintf(stderr, "gkdc inspect: HEX must be an even number of hex digits\n");
      free(buf);
      return GKDC_EXIT_USAGE;
    }
  }

  err = gkdc_cbor_diag(stdout, buf, len, flags, as);
  free(buf);
  if (err != GKDC_CBOR_OK) {
    fprintf(stderr, "gkdc inspect: invalid input: %s\n", gkdc_cbor_err_str(err));
    return GKDC_EXIT_FAILURE;
  }
  return GKDC_EXIT_OK;
}
