using Nattt.Lab;

namespace Nattt.IntegrationTests.Dns;

/// <summary>
/// A hostile upstream for the safety scenario, in Python (Debian's python3): it listens as a DNS server and answers
/// every query first with four forgeries, then, 50 ms later, with the real answer (A 192.0.2.77). The forgeries carry
/// A 203.0.113.66 and are: a wrong ID from the right address and port; the right ID from a spoofed source address
/// (sent through a raw socket, IP_HDRINCL); the right ID from the right address but another port (raw socket too);
/// the right ID and address with another question. A proxy that takes any of them shows 203.0.113.66.
/// </summary>
public static class SpoofingUpstream
{
    public const string RealAnswer = "192.0.2.77";
    public const string ForgedAnswer = "203.0.113.66";

    public static LabProcess Start(LabHost host, string listenAddress, string spoofedSource)
    {
        var script = $$"""
            import socket, struct, time
            srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            srv.bind(("{{listenAddress}}", 53))
            raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            def question_of(q):
                i = 12
                while q[i]:
                    i += q[i] + 1
                return q[12:i + 5]
            def answer(q, ident, addr, question=None):
                question = question or question_of(q)
                rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
                return struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + question + rr
            def raw_udp(src, sport, dst, dport, payload):
                udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
                raw.sendto(ip + udp, (dst, 0))
            print("spoofer ready", flush=True)
            while True:
                q, (caddr, cport) = srv.recvfrom(4096)
                ident = struct.unpack("!H", q[:2])[0]
                srv.sendto(answer(q, ident ^ 0x5555, "{{ForgedAnswer}}"), (caddr, cport))
                raw_udp("{{spoofedSource}}", 53, caddr, cport, answer(q, ident, "{{ForgedAnswer}}"))
                raw_udp("{{listenAddress}}", 5353, caddr, cport, answer(q, ident, "{{ForgedAnswer}}"))
                other = b"\x05other\x07example\x04test\x00" + question_of(q)[-4:]
                srv.sendto(answer(q, ident, "{{ForgedAnswer}}", other), (caddr, cport))
                time.sleep(0.05)
                srv.sendto(answer(q, ident, "{{RealAnswer}}"), (caddr, cport))
                print("answered", caddr, cport, flush=True)
            """;
        var p = host.Start("python3", "-u", "-c", script);
        if (!p.WaitForOutput("spoofer ready", TimeSpan.FromSeconds(10))) throw new LabException("spoofer did not start:\n" + p.Output);
        return p;
    }
}
