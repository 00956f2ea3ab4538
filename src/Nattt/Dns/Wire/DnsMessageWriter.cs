using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Nattt.Dns.Wire;

/// <summary>
/// Writes a DNS message into a caller's span, with name compression (RFC 1035 4.1.4): every name written is
/// remembered by the offsets of its labels, and a later name whose suffix equals one of them ends in a pointer.
/// Every write returns false when the span is too small and then leaves the writer unusable
/// (<see cref="Overflowed"/>). Counts in the header are kept by the writer and written by <see cref="Finish"/>.
/// </summary>
public ref struct DnsMessageWriter
{
    private const int MaxRemembered = 64;
    private readonly Span<byte> _buffer;
    private readonly Span<ushort> _labelOffsets; // offsets of label starts written so far, compression targets
    private int _rememberedCount;
    private int _position;
    private ushort _qd, _an, _ns, _ar;

    /// <param name="buffer">Where the message goes.</param>
    /// <param name="compressionScratch">At least 64 entries, e.g. <c>stackalloc ushort[64]</c>.</param>
    public DnsMessageWriter(Span<byte> buffer, Span<ushort> compressionScratch)
    {
        _buffer = buffer;
        _labelOffsets = compressionScratch.Length >= MaxRemembered ? compressionScratch[..MaxRemembered] : compressionScratch;
        _position = DnsLimits.HeaderLength;
        Overflowed = buffer.Length < DnsLimits.HeaderLength;
    }

    public bool Overflowed { get; private set; }
    public readonly int Length => _position;

    /// <summary>Writes the header with the counts of what was written; returns the message length, or -1 on overflow.</summary>
    public int Finish(ushort id, ushort flags)
    {
        if (Overflowed) return -1;
        new DnsHeader(id, flags, _qd, _an, _ns, _ar).TryWrite(_buffer);
        return _position;
    }

    public bool TryWriteQuestion(scoped ReadOnlySpan<byte> wireName, ushort type, ushort @class)
    {
        if (!TryWriteName(wireName) || !TryWrite16(type) || !TryWrite16(@class)) return false;
        _qd++;
        return true;
    }

    /// <summary>Writes a record with opaque RDATA (any type, RFC 3597) into section 1 (answer), 2 or 3.</summary>
    public bool TryWriteRecord(int section, scoped ReadOnlySpan<byte> wireName, ushort type, ushort @class, uint ttl, scoped ReadOnlySpan<byte> rdata)
    {
        if (!TryWriteRecordStart(wireName, type, @class, ttl, out var lengthAt)) return false;
        if (!TryWriteBytes(rdata)) return false;
        return EndRecord(section, lengthAt);
    }

    public bool TryWriteAddressRecord(int section, scoped ReadOnlySpan<byte> wireName, IPAddress address, uint ttl)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var n)) return Fail();
        var type = address.AddressFamily == AddressFamily.InterNetwork ? DnsType.A : DnsType.AAAA;
        return TryWriteRecord(section, wireName, (ushort)type, DnsLimits.ClassIN, ttl, bytes[..n]);
    }

    /// <summary>Writes a record whose RDATA is one name (CNAME, PTR, NS), compressed.</summary>
    public bool TryWriteNameRecord(int section, scoped ReadOnlySpan<byte> wireName, DnsType type, uint ttl, scoped ReadOnlySpan<byte> target)
    {
        if (!TryWriteRecordStart(wireName, (ushort)type, DnsLimits.ClassIN, ttl, out var lengthAt)) return false;
        if (!TryWriteName(target)) return false;
        return EndRecord(section, lengthAt);
    }

    /// <summary>Writes an EDNS0 OPT pseudo-record (RFC 6891 6.1.2) with no options.</summary>
    public bool TryWriteOpt(ushort udpPayloadSize, bool dnssecOk)
    {
        ReadOnlySpan<byte> root = [0];
        var ttl = dnssecOk ? 0x8000u : 0u;
        return TryWriteRecord(3, root, (ushort)DnsType.OPT, udpPayloadSize, ttl, []);
    }

    private bool TryWriteRecordStart(scoped ReadOnlySpan<byte> wireName, ushort type, ushort @class, uint ttl, out int lengthAt)
    {
        lengthAt = 0;
        if (!TryWriteName(wireName) || !TryWrite16(type) || !TryWrite16(@class) || !TryWrite32(ttl)) return false;
        lengthAt = _position;
        return TryWrite16(0);
    }

    private bool EndRecord(int section, int lengthAt)
    {
        var rdLength = _position - lengthAt - 2;
        if (rdLength > ushort.MaxValue) return Fail();
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[lengthAt..], (ushort)rdLength);
        switch (section)
        {
            case 1: _an++; break;
            case 2: _ns++; break;
            default: _ar++; break;
        }
        return true;
    }

    /// <summary>Writes an uncompressed wire name, replacing its longest already-written suffix by a pointer.</summary>
    public bool TryWriteName(scoped ReadOnlySpan<byte> wireName)
    {
        if (Overflowed) return false;
        var labelStart = 0;
        while (labelStart < wireName.Length && wireName[labelStart] != 0)
        {
            var suffix = wireName[labelStart..];
            var target = FindWritten(suffix);
            if (target >= 0)
            {
                if (!TryWriteBytes(wireName[..labelStart])) return false;
                RememberLabels(_position - labelStart, wireName[..labelStart]);
                return TryWrite16((ushort)(0xC000 | target));
            }
            labelStart += 1 + wireName[labelStart];
        }
        var at = _position;
        if (!TryWriteBytes(wireName)) return false;
        RememberLabels(at, wireName);
        return true;
    }

    private int FindWritten(scoped ReadOnlySpan<byte> suffix)
    {
        Span<byte> candidate = stackalloc byte[DnsLimits.MaxNameLength];
        for (var i = 0; i < _rememberedCount; i++)
        {
            var offset = _labelOffsets[i];
            if (_buffer[offset] != suffix[0] && (_buffer[offset] & 0xC0) == 0) continue; // first label length differs
            if (DnsName.TryRead(_buffer[.._position], offset, candidate, out var length, out _, out _)
                && DnsName.WireEquals(candidate[..length], suffix))
                return offset;
        }
        return -1;
    }

    private void RememberLabels(int at, scoped ReadOnlySpan<byte> labels)
    {
        var i = 0;
        while (i < labels.Length && labels[i] != 0)
        {
            if (at + i <= DnsLimits.MaxPointerTarget && _rememberedCount < _labelOffsets.Length)
                _labelOffsets[_rememberedCount++] = (ushort)(at + i);
            i += 1 + labels[i];
        }
    }

    private bool TryWrite16(ushort value)
    {
        if (Overflowed || _position + 2 > _buffer.Length) return Fail();
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
        return true;
    }

    private bool TryWrite32(uint value)
    {
        if (Overflowed || _position + 4 > _buffer.Length) return Fail();
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
        return true;
    }

    private bool TryWriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        if (Overflowed || _position + bytes.Length > _buffer.Length) return Fail();
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
        return true;
    }

    private bool Fail()
    {
        Overflowed = true;
        return false;
    }
}
