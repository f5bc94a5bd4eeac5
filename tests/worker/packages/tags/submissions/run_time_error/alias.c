/* @expected_results@: run_time_error */
#include <stdlib.h>
int main(void) { abort(); }
