namespace Nattt.Packets;

/// <summary>The IP protocol numbers the packet layer understands (IANA "Assigned Internet Protocol Numbers").
/// Anything else is dropped with <see cref="PacketDropReason.UnsupportedProtocol"/>.</summary>
public enum IpProtocol : byte
{
    Icmp = 1,
    Tcp = 6,
    Udp = 17,
    IcmpV6 = 58,
}

/// <summary>TCP header flags (RFC 9293 section 3.1, plus ECE/CWR from RFC 3168), as in byte 13 of the header.</summary>
[Flags]
public enum TcpFlags : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
    Ece = 0x40,
    Cwr = 0x80,
}
