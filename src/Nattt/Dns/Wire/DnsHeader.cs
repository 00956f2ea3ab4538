using System.Buffers.Binary;

namespace Nattt.Dns.Wire;

/// <summary>The 12-octet DNS header (RFC 1035 4.1.1), read from and written to spans.</summary>
public readonly record struct DnsHeader(
    ushort Id, ushort Flags, ushort QuestionCount, ushort AnswerCount, ushort AuthorityCount, ushort AdditionalCount)
{
    public const ushort QrBit = 0x8000;
    public const ushort AaBit = 0x0400;
    public const ushort TcBit = 0x0200;
    public const ushort RdBit = 0x0100;
    public const ushort RaBit = 0x0080;
    public const ushort AdBit = 0x0020;
    public const ushort CdBit = 0x0010;

    public bool IsResponse => (Flags & QrBit) != 0;
    public int Opcode => (Flags >> 11) & 0xF;
    public bool IsTruncated => (Flags & TcBit) != 0;
    public bool RecursionDesired => (Flags & RdBit) != 0;
    public DnsResponseCode ResponseCode => (DnsResponseCode)(Flags & 0xF);

    public static bool TryRead(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        if (message.Length < DnsLimits.HeaderLength) { header = default; return false; }
        header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(message),
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[10..]));
        return true;
    }

    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < DnsLimits.HeaderLength) return false;
        BinaryPrimitives.WriteUInt16BigEndian(destination, Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], QuestionCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], AdditionalCount);
        return true;
    }

    /// <summary>Reads only the ID (for rewriting IDs of forwarded messages in place).</summary>
    public static ushort ReadId(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    public static void WriteId(Span<byte> message, ushort id) => BinaryPrimitives.WriteUInt16BigEndian(message, id);
}
