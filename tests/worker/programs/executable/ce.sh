#!/bin/sh
echo "a shell script is not an executable here"
