/* libwfinner.so.1: shipped inside the originrpath wheel at
 * originrpath/lib/, found by the extension through RUNPATH $ORIGIN/lib. */
int wfinner_value(int x) { return x * 100 + 34; }
