namespace Nattt.Packets;

/// <summary>ICMP and ICMPv6 message types the packet layer acts on (RFC 792, RFC 4443).</summary>
public static class IcmpTypes
{
    public const byte EchoReply = 0;
    public const byte DestinationUnreachable = 3;
    public const byte EchoRequest = 8;
    public const byte TimeExceeded = 11;
    public const byte ParameterProblem = 12;

    /// <summary>ICMPv4 destination unreachable code 4: fragmentation needed and DF set (RFC 1191).</summary>
    public const byte FragmentationNeededCode = 4;

    public const byte V6DestinationUnreachable = 1;
    public const byte V6PacketTooBig = 2;
    public const byte V6TimeExceeded = 3;
    public const byte V6ParameterProblem = 4;
    public const byte V6EchoRequest = 128;
    public const byte V6EchoReply = 129;
}
