#!/usr/bin/env python2
print input()
