#import <Foundation/Foundation.h>
#include <stdio.h>

int main(void) {
    @autoreleasepool {
        NSMutableArray *blocks = [NSMutableArray array];
        for (int i = 0; i < 1024; i++) {  /* 1 GiB, touched */
            NSMutableData *block = [NSMutableData dataWithLength:1 << 20];
            memset([block mutableBytes], i, 1 << 20);
            [blocks addObject:block];
        }
        printf("%lu\n", (unsigned long)[blocks count]);
    }
    return 0;
}
