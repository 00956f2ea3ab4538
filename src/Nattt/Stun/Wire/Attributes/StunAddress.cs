using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Nattt.Stun.Wire;

/// <summary>Address families of the address attributes (RFC 8489 section 14.1) and of REQUESTED-ADDRESS-FAMILY.</summary>
public enum StunAddressFamily : byte
{
    IPv4 = 0x01,
    IPv6 = 0x02,
}

/// <summary>
/// The address value shared by MAPPED-ADDRESS, ALTERNATE-SERVER, OTHER-ADDRESS, RESPONSE-ORIGIN, CHANGED-ADDRESS,
/// SOURCE-ADDRESS (RFC 8489 section 14.1: reserved byte, family, port, 4 or 16 address bytes) and its XOR form used
/// by XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS (section 14.2: the port is XORed with the top 16
/// bits of the cookie, the address with the cookie and, for IPv6, the transaction ID).
/// IPv4-mapped IPv6 endpoints (from dual-stack sockets) are written as IPv4.
/// </summary>
public static class StunAddress
{
    private const int IPv4ValueLength = 8;
    private const int IPv6ValueLength = 20;

    /// <summary>Value length for an endpoint of this address.</summary>
    public static int ValueLength(IPAddress address) =>
        Normalize(address).AddressFamily == AddressFamily.InterNetwork ? IPv4ValueLength : IPv6ValueLength;

    /// <summary>Decodes a plain address value.</summary>
    public static StunError Read(ReadOnlySpan<byte> value, out IPEndPoint? endPoint) =>
        ReadCore(value, default, out endPoint);

    /// <summary>Decodes an XOR address value; <paramref name="cookieAndTransactionId"/> is header bytes 4..20.</summary>
    public static StunError ReadXor(ReadOnlySpan<byte> value, ReadOnlySpan<byte> cookieAndTransactionId, out IPEndPoint? endPoint) =>
        ReadCore(value, cookieAndTransactionId, out endPoint);

    /// <summary>Writes a plain address value into <paramref name="value"/> (of <see cref="ValueLength"/> bytes).</summary>
    public static void Write(Span<byte> value, IPEndPoint endPoint) => WriteCore(value, endPoint, default);

    /// <summary>Writes an XOR address value.</summary>
    public static void WriteXor(Span<byte> value, IPEndPoint endPoint, ReadOnlySpan<byte> cookieAndTransactionId) =>
        WriteCore(value, endPoint, cookieAndTransactionId);

    /// <summary>Reads a plain address attribute of a parsed message.</summary>
    public static StunError Read(in StunMessageReader message, StunAttributeType type, out IPEndPoint? endPoint)
    {
        endPoint = null;
        return message.TryGetAttribute(type, out var value) ? Read(value, out endPoint) : StunError.AttributeMissing;
    }

    /// <summary>Reads an XOR address attribute of a parsed message (RFC 3489 messages have none).</summary>
    public static StunError ReadXor(in StunMessageReader message, StunAttributeType type, out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!message.TryGetAttribute(type, out var value)) return StunError.AttributeMissing;
        if (message.IsRfc3489) return StunError.XorAddressWithoutMagicCookie;
        return ReadXor(value, message.CookieAndTransactionId, out endPoint);
    }

    /// <summary>Appends a plain address attribute.</summary>
    public static bool TryWrite(ref StunMessageWriter writer, StunAttributeType type, IPEndPoint endPoint)
    {
        if (!writer.TryReserveAttribute(type, ValueLength(endPoint.Address), out var value)) return false;
        Write(value, endPoint);
        return true;
    }

    /// <summary>Appends an XOR address attribute (the writer must have started with the magic cookie).</summary>
    public static bool TryWriteXor(ref StunMessageWriter writer, StunAttributeType type, IPEndPoint endPoint)
    {
        if (!writer.HasMagicCookie) throw new InvalidOperationException("XOR addresses need the magic cookie (RFC 8489 section 14.2).");
        if (!writer.TryReserveAttribute(type, ValueLength(endPoint.Address), out var value)) return false;
        WriteXor(value, endPoint, writer.CookieAndTransactionId);
        return true;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static StunError ReadCore(ReadOnlySpan<byte> value, ReadOnlySpan<byte> xorKey, out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (value.Length < 4) return StunError.AddressLengthInvalid;
        int addressLength = value[1] switch { (byte)StunAddressFamily.IPv4 => 4, (byte)StunAddressFamily.IPv6 => 16, _ => -1 };
        if (addressLength < 0) return StunError.AddressFamilyUnknown;
        if (value.Length != 4 + addressLength) return StunError.AddressLengthInvalid;
        int port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        Span<byte> address = stackalloc byte[addressLength];
        value.Slice(4, addressLength).CopyTo(address);
        if (!xorKey.IsEmpty)
        {
            port ^= (int)(StunConstants.MagicCookie >> 16);
            for (int i = 0; i < addressLength; i++) address[i] ^= xorKey[i];
        }
        endPoint = new IPEndPoint(new IPAddress(address), port);
        return StunError.None;
    }

    private static void WriteCore(Span<byte> value, IPEndPoint endPoint, ReadOnlySpan<byte> xorKey)
    {
        var address = Normalize(endPoint.Address);
        bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
        int addressLength = v4 ? 4 : 16;
        value[0] = 0;
        value[1] = (byte)(v4 ? StunAddressFamily.IPv4 : StunAddressFamily.IPv6);
        int port = endPoint.Port;
        if (!xorKey.IsEmpty) port ^= (int)(StunConstants.MagicCookie >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], (ushort)port);
        var bytes = value.Slice(4, addressLength);
        address.TryWriteBytes(bytes, out _);
        if (!xorKey.IsEmpty)
        {
            for (int i = 0; i < addressLength; i++) bytes[i] ^= xorKey[i];
        }
    }
}
