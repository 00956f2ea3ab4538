using System.Buffers.Binary;
using System.Text;

namespace Nattt.Stun.Wire;

/// <summary>
/// ERROR-CODE (RFC 8489 section 14.8): 21 reserved bits, the hundreds digit in 3 bits (3..6), the rest (0..99) in
/// 8 bits, then a UTF-8 reason phrase of fewer than 128 characters (763 bytes).
/// </summary>
public static class ErrorCodeAttribute
{
    public const StunAttributeType Type = StunAttributeType.ErrorCode;
    public const int MaxReasonBytes = 763;

    /// <summary>Decodes the code (300..699) and a view of the reason phrase.</summary>
    public static StunError Read(in StunMessageReader message, out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        if (!message.TryGetAttribute(Type, out var value)) return StunError.AttributeMissing;
        return Read(value, out code, out reason);
    }

    /// <summary>Decodes a value; shared with ADDRESS-ERROR-CODE, whose first byte is the family.</summary>
    public static StunError Read(ReadOnlySpan<byte> value, out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        if (value.Length < 4) return StunError.AttributeLengthInvalid;
        int errorClass = value[2] & 0x07, number = value[3];
        if (errorClass is < 3 or > 6 || number > 99) return StunError.ErrorCodeInvalid;
        if (value.Length - 4 > MaxReasonBytes || !System.Text.Unicode.Utf8.IsValid(value[4..])) return StunError.TextInvalid;
        code = errorClass * 100 + number;
        reason = value[4..];
        return StunError.None;
    }

    public static bool TryWrite(ref StunMessageWriter writer, int code, ReadOnlySpan<char> reason)
    {
        if (code is < 300 or > 699) throw new ArgumentOutOfRangeException(nameof(code), "ERROR-CODE is 300..699.");
        int reasonLength = Encoding.UTF8.GetByteCount(reason);
        if (reasonLength > MaxReasonBytes) throw new ArgumentException("The reason phrase is limited to 763 bytes.", nameof(reason));
        if (!writer.TryReserveAttribute(Type, 4 + reasonLength, out var value)) return false;
        WriteCode(value, code);
        Encoding.UTF8.GetBytes(reason, value[4..]);
        return true;
    }

    /// <summary>Writes the 4-byte code field (reserved bits zero).</summary>
    internal static void WriteCode(Span<byte> value, int code)
    {
        BinaryPrimitives.WriteUInt16BigEndian(value, 0);
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
    }
}
