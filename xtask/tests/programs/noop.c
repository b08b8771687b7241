/* Does nothing: the memory floor of a launch. */
int main(void) { return 0; }
