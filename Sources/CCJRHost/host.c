#include "cjr_host.h"
#include <sys/prctl.h>

int cjr_set_undumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
