#import <Foundation/Foundation.h>
#include <stdio.h>

int main(void) {
    @autoreleasepool {
        long long a, b;
        if (scanf("%lld %lld", &a, &b) != 2) return 1;
        NSNumber *sum = [NSNumber numberWithLongLong:a + b];
        printf("%s\n", [[sum stringValue] UTF8String]);
    }
    return 0;
}
