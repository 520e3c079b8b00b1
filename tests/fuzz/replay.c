/*
 * Plain driver for the libFuzzer-style targets in this directory, so that
 * `make check` replays each target's corpus without libFuzzer.
 *
 * Usage: fuzz_NAME [FILE...]
 * Without arguments it reads every file of TOP_SRCDIR/tests/fuzz/corpus/
 * FUZZ_CORPUS. Each input is run as it is, then as a series of
 * deterministic mutants (every truncation, and byte flips) whose number
 * scales with GKDC_TEST_SCALE.
 *
 * With libFuzzer, build a target on its own instead, for example:
 *   clang -g -fsanitize=fuzzer,address -Iinclude -Ihost \
 *     tests/fuzz/fuzz_cbor.c host/cbor_*.c host/diag.c -lcbor
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs larger than this are skipped; corpus files are small. */
#define MAX_FILE (64 * 1024)

static size_t runs;

static double test_scale(void)
{
  const char *text = getenv("GKDC_TEST_SCALE");
  double scale = text != NULL ? strtod(text, NULL) : 1.0;

  return scale > 0.0 && scale <= 1.0 ? scale : 1.0;
}

/* Runs `data` and its mutants through the target. */
static void run_with_mutants(const uint8_t *data, size_t size)
{
  uint8_t *copy = malloc(size + 1);
  size_t flips = (size_t)(200 * test_scale()) + 1;
  uint32_t state = 0x9e3779b9u ^ (uint32_t)size;
  size_t i;

  if (copy == NULL)
    abort();

  LLVMFuzzerTestOneInput(data, size);
  runs++;

  /* Every truncation, each in a buffer of its exact size for ASan. */
  for (i = 0; i < size; i++) {
    uint8_t *cut = malloc(i + 1);

    if (cut == NULL)
      abort();
    memcpy(cut, data, i);
    LLVMFuzzerTestOneInput(cut, i);
    free(cut);
    runs++;
  }

  /* Byte replacements from a fixed xorshift stream. */
  for (i = 0; i < flips && size > 0; i++) {
    memcpy(copy, data, size);
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    copy[state % size] = (uint8_t)(state >> 8);
    if (i % 3 == 0)
      copy[(state >> 16) % size] ^= 0x20;
    LLVMFuzzerTestOneInput(copy, size);
    runs++;
  }
  free(copy);
}

static int run_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  size_t n;

  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    return 0;
  }
  buf = malloc(MAX_FILE);
  if (buf == NULL)
    abort();
  n = fread(buf, 1, MAX_FILE, f);
  fclose(f);
  run_with_mutants(buf, n);
  free(buf);
  return 1;
}

int main(int argc, char **argv)
{
  const char *dir = TOP_SRCDIR "/tests/fuzz/corpus/" FUZZ_CORPUS;
  size_t files = 0;
  DIR *dp;
  struct dirent *de;
  int i;

  if (argc > 1) {
    for (i = 1; i < argc; i++)
      files += run_file(argv[i]);
    printf("%zu files, %zu runs\n", files, runs);
    return files == (size_t)(argc - 1) ? 0 : 1;
  }

  dp = opendir(dir);
  if (dp == NULL) {
    fprintf(stderr, "cannot open corpus directory %s\n", dir);
    return 1;
  }
  while ((de = readdir(dp)) != NULL) {
    char path[4096];

    if (de->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    files += run_file(path);
  }
  closedir(dp);
  printf("%s: %zu files, %zu runs\n", FUZZ_CORPUS, files, runs);
  return files > 0 ? 0 : 1;
}
