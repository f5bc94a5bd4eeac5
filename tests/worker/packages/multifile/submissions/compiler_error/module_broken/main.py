import helper
print(helper.greet(input()))
