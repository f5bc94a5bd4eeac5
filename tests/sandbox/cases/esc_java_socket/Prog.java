// Escapes from Java over the network: a TCP connection to the judge's host listener (port in
// args[0]), a server socket on a public port, a UDP datagram out, a DNS lookup. The box has
// its own network namespace and seccomp allows unix sockets only.
import java.net.*;

public class Prog {
    static void escaped(String what) {
        System.out.println("ESCAPED: " + what);
        System.out.flush();
        Runtime.getRuntime().halt(99);
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            escaped("TCP to the judge's listener on 127.0.0.1:" + port);
        } catch (Exception e) {
            System.out.println("blocked: TCP 127.0.0.1:" + port + ": " + e);
        }
        try (ServerSocket ss = new ServerSocket(8080)) {
            escaped("listening on port 8080");
        } catch (Exception e) {
            System.out.println("blocked: ServerSocket: " + e);
        }
        try (DatagramSocket d = new DatagramSocket()) {
            d.send(new DatagramPacket(new byte[] {1}, 1, InetAddress.getByAddress(
                new byte[] {8, 8, 8, 8}), 53));
            escaped("UDP datagram sent");
        } catch (Exception e) {
            System.out.println("blocked: UDP: " + e);
        }
        try {
            InetAddress.getByName("example.com");
            escaped("DNS resolved example.com");
        } catch (Exception e) {
            System.out.println("blocked: DNS: " + e);
        }
        System.out.println("all blocked");
    }
}
