// RealJavaLedger.java: a Java program of the conformance suite (test_real_programs.py): the JVM starts
// its threads, loads classes, runs the interpreter and compilers, all of it allocating through malloc;
// the program itself uses collections, strings and threads, and prints a deterministic summary.
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

public class RealJavaLedger {
    static final int WORKERS = 3;
    static final int ENTRIES = 2000;

    public static void main(String[] args) throws InterruptedException {
        Map<String, Long> totals = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            final int worker = w;
            Thread t = new Thread(() -> {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < ENTRIES; i++) {
                    String account = "acct" + ((i * 7 + worker) % 13);
                    totals.merge(account, (long) (i % 17 + worker), Long::sum);
                    sb.append(account.charAt(account.length() - 1));
                }
                totals.merge("chars", (long) sb.length(), Long::sum);
            }, "ledger-" + w);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads)
            t.join();
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Long> e : new TreeMap<>(totals).entrySet())
            out.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        System.out.print(out);
        System.exit(args.length);
    }
}
