/*
 * Built only through an installed veriscope (pkg-config or CMake's
 * find_package): the header's version macros match the library it runs
 * against, and a document check works.
 *
 *   check_install FILE
 */
#include <stdio.h>
#include <string.h>

#include <veriscope.h>

#if !defined(VERISCOPE_VERSION_MAJOR) || !defined(VERISCOPE_VERSION_STRING)
#error "veriscope.h has no version macros"
#endif

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    if (strcmp(vs_version(), VERISCOPE_VERSION_STRING) != 0) {
        fprintf(stderr, "built against %s, running %s\n", VERISCOPE_VERSION_STRING, vs_version());
        return 1;
    }
    static unsigned char data[1 << 16];
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    char *json = NULL;
    if (vs_check_document_bytes(NULL, data, len, &json) != VS_STATUS_OK) {
        fprintf(stderr, "%s\n", vs_last_error_message());
        return 1;
    }
    printf("veriscope %d.%d.%d: %s\n", VERISCOPE_VERSION_MAJOR, VERISCOPE_VERSION_MINOR,
           VERISCOPE_VERSION_PATCH, json);
    vs_string_free(json);
    return 0;
}
